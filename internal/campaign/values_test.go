package campaign

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// The default channels read as they always have: the API shows them, and every
// campaign stored without channels has them.
func TestTheDefaultChannelsAreTheSixOfDomain(t *testing.T) {
	got, err := json.Marshal(DefaultChannels())
	require.NoError(t, err)
	require.JSONEq(t, `[
		{"name": "hotline", "aliases": ["热线", "热线电话", "12345"]},
		{"name": "suggestion_box", "aliases": ["意见箱"]},
		{"name": "symposium", "aliases": ["座谈会", "座谈"]},
		{"name": "visit", "aliases": ["走访", "入户走访"]},
		{"name": "online", "aliases": ["网络", "网络平台", "网上"]},
		{"name": "letter", "aliases": ["来信", "信件"]}
	]`, string(got))

	c := Campaign{Name: "x"}
	require.NoError(t, Normalize(&c))
	for _, ch := range DefaultChannelList() {
		require.Equal(t, Resolved{Value: string(ch.Code), Match: ByName}, c.ResolveChannel(string(ch.Code)))
		require.Contains(t, ch.Aliases, ch.Ledger, "%s: the ledger writes one of its spellings, which an import reads back", ch.Code)
		for _, a := range ch.Aliases {
			require.Equal(t, Resolved{Value: string(ch.Code), Match: ByAlias}, c.ResolveChannel(a))
		}
	}
}

func TestTheDefaultChannelsAreNotShared(t *testing.T) {
	chs := DefaultChannels()
	chs[0].Aliases[0] = "changed"
	list := DefaultChannelList()
	list[0].Aliases[0] = "changed"
	require.False(t, slices.Contains(DefaultChannels()[0].Aliases, "changed"))
	require.False(t, slices.Contains(DefaultChannelList()[0].Aliases, "changed"))
}

// Feedback from a publication's page comes in through its own channel, which every
// campaign takes — those with channels of their own too — and the ledger names.
func TestEveryCampaignTakesPublicityFeedback(t *testing.T) {
	c := Campaign{Name: "x", Channels: []Channel{{Name: "民情走访"}}}
	require.NoError(t, Normalize(&c))
	for _, written := range []string{"publicity_feedback", "公示反馈"} {
		require.Equal(t, string(ChannelPublicityFeedback), c.ResolveChannel(written).Value, written)
	}
	require.Equal(t, Resolved{Value: "民情走访", Match: ByName}, c.ResolveChannel("民情走访"))
	require.Equal(t, NoMatch, c.ResolveChannel("hotline").Match, "its own channels only, and feedback")
	known := KnownChannels()
	require.Len(t, known, len(DefaultChannelList())+1)
	require.Equal(t, ChannelPublicityFeedback, known[len(known)-1].Code)
	require.Equal(t, "公示反馈", known[len(known)-1].Ledger)
}
