package service

import "rectify/internal/store"

// The reporting store's records, as the use cases take and give them: the front
// doors name them here and never reach the store themselves.
type (
	// Filter selects the opinions OpinionViews lists.
	Filter = store.Filter
	// Stats are a campaign's figures (docs/metrics.md).
	Stats = store.Stats
	// Counts are the figures of one group of a campaign's opinions.
	Counts = store.Counts
	// DayCount is the closures of one campaign-local day.
	DayCount = store.DayCount
	// PublicItem is one item of a campaign's 公示.
	PublicItem = store.PublicItem
	// Session is a signed-in browser.
	Session = store.Session
	// AuditEntry is one entry of the access log.
	AuditEntry = store.AuditEntry
	// AuditFilter selects the entries AuditLog pages through.
	AuditFilter = store.AuditFilter
	// AuditPage is a page of the access log.
	AuditPage = store.AuditPage
)

const (
	// BatchImporting is the state of a batch whose rows are still being started.
	BatchImporting = store.BatchImporting
	// BulkRunning is the state of a bulk whose opinions are still being acted on.
	BulkRunning = store.BulkRunning
	// TargetTeam and TargetIndividual are the targets an opinion may be about,
	// as the figures group them.
	TargetTeam       = store.TargetTeam
	TargetIndividual = store.TargetIndividual
	// AuditDecryptPayloads is the access log's action for Temporal's payloads
	// decrypted for a reader.
	AuditDecryptPayloads = store.AuditDecryptPayloads
)

// AuditActions are the actions the access log records.
var AuditActions = store.AuditActions
