package domain

// Kinds of notification that no opinion's transition sets off.
const (
	// NotifyDigest is an official's or a leader's daily digest (每日提醒) of their
	// items due soon, overdue, supervised and on the accountability list.
	NotifyDigest Action = "digest"
	// NotifyAlert is an operator's alert from Prometheus, through Alertmanager.
	NotifyAlert Action = "alert"
)

// Digest is what a daily digest lists: the day it is for and the recipient's
// items by how urgent they are, each by its id and key (never its content).
type Digest struct {
	Day   string       `json:"day"`
	Items []DigestItem `json:"items"`
}

// DigestItem is one item of a digest.
type DigestItem struct {
	OpinionID string       `json:"opinion_id"`
	Key       string       `json:"key"`
	Deadline  string       `json:"deadline,omitempty"`
	Level     OverdueLevel `json:"level"`
	// Role is how the recipient is on it: official or leader.
	Role Role `json:"role"`
}

// Alert is one alert Alertmanager sent: its name, whether it fires or resolved,
// its severity and the summary its rule wrote (an operator's text, no citizen's).
type Alert struct {
	Name     string `json:"name"`
	Status   string `json:"status"`
	Severity string `json:"severity,omitempty"`
	Summary  string `json:"summary,omitempty"`
	StartsAt string `json:"starts_at,omitempty"`
}
