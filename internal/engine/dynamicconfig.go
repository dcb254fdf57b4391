package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
)

// singleNodeCachedWorkflows bounds the one-node server's cache of workflow state.
// Its default (128,000 workflows, kept an hour each) holds every open opinion of a
// large campaign in the process's memory — about 0.3–0.7 GiB per 10,000; the
// opinions people are acting on fit in far fewer, and the rest wait on timers.
const singleNodeCachedWorkflows = 10_000

// dynamicConfigPoll is how often the server reads the operator's dynamic-config file
// again: a change holds within this long, without a restart.
const dynamicConfigPoll = 10 * time.Second

// DynamicConfigError says the operator's dynamic-config file cannot be used: it does
// not parse, or names a setting Temporal does not have.
type DynamicConfigError struct {
	Path string
	Err  error
}

func (e *DynamicConfigError) Error() string {
	return fmt.Sprintf("engine: dynamic config %s: %v", e.Path, e.Err)
}

func (e *DynamicConfigError) Unwrap() error { return e.Err }

// rectifyDefaults tunes the server for where it runs. On SQLite it is the only node,
// and one partition per task queue saves matching the forwarding between partitions
// that only pays off across several matching nodes: new opinions reach their first
// workflow task about twice as fast (docs/performance.md). With TLS, the membership
// ports (where nodes gossip who serves what) use it too.
func rectifyDefaults(singleNode, withTLS bool) *dynamicconfig.MemoryClient {
	c := dynamicconfig.NewMemoryClient()
	if withTLS {
		c.OverrideSetting(dynamicconfig.EnableRingpopTLS, true)
	}
	if singleNode {
		c.OverrideSetting(dynamicconfig.MatchingNumTaskqueueReadPartitions, 1)
		c.OverrideSetting(dynamicconfig.MatchingNumTaskqueueWritePartitions, 1)
		c.OverrideSetting(dynamicconfig.HistoryCacheHostLevelMaxSize, singleNodeCachedWorkflows)
	}
	return c
}

// dynamicConfig is the server's dynamic configuration: the operator's file, when
// given, over rectify's defaults. A setting the file names replaces rectify's for
// that setting; the file is read again every dynamicConfigPoll until done closes.
func dynamicConfig(path string, singleNode, withTLS bool, logger log.Logger, done <-chan any) (dynamicconfig.Client, error) {
	defaults := rectifyDefaults(singleNode, withTLS)
	if path == "" {
		return defaults, nil
	}
	if err := checkDynamicConfig(path); err != nil {
		return nil, &DynamicConfigError{Path: path, Err: err}
	}
	file, err := dynamicconfig.NewFileBasedClient(&dynamicconfig.FileBasedClientConfig{Filepath: path, PollInterval: dynamicConfigPoll}, logger, done)
	if err != nil {
		return nil, &DynamicConfigError{Path: path, Err: err}
	}
	return &layeredConfig{file: file, defaults: defaults}, nil
}

// checkDynamicConfig refuses, at start, a file the server would only log about: a
// parse error, or a key that is no setting (a typo would otherwise change nothing).
func checkDynamicConfig(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	lr := dynamicconfig.LoadYamlFile(data)
	return errors.Join(append(lr.Errors, lr.Warnings...)...)
}

// layeredConfig reads a setting from the file, else from rectify's defaults; changes
// to the file reach the server through the file's subscription.
type layeredConfig struct {
	file     *dynamicconfig.FileBasedClient
	defaults *dynamicconfig.MemoryClient
}

func (c *layeredConfig) GetValue(key dynamicconfig.Key) []dynamicconfig.ConstrainedValue {
	if v := c.file.GetValue(key); len(v) > 0 {
		return v
	}
	return c.defaults.GetValue(key)
}

func (c *layeredConfig) Subscribe(update dynamicconfig.ClientUpdateFunc) (cancel func()) {
	return c.file.Subscribe(update)
}
