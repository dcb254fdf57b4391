package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"go.temporal.io/sdk/temporal"
)

// robotAnswer is what the group robots answer in a body of HTTP 200: DingTalk and
// WeCom an errcode, Feishu a code (older Feishu robots a StatusCode). Zero, or no
// such field, is a delivery; anything else is a refusal the robot still answered
// 200 to — a bad signature, a missing keyword, too many messages a minute.
type robotAnswer struct {
	ErrCode    *int   `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
	Code       *int   `json:"code"`
	Msg        string `json:"msg"`
	StatusCode *int   `json:"StatusCode"`
}

// failure is the robot's refusal in the body, or "" for none.
func (a robotAnswer) failure() string {
	switch {
	case a.ErrCode != nil && *a.ErrCode != 0:
		return fmt.Sprintf("errcode %d: %s", *a.ErrCode, a.ErrMsg)
	case a.Code != nil && *a.Code != 0:
		return fmt.Sprintf("code %d: %s", *a.Code, a.Msg)
	case a.StatusCode != nil && *a.StatusCode != 0:
		return fmt.Sprintf("StatusCode %d", *a.StatusCode)
	}
	return ""
}

// checkAnswer reads an HTTP answer of a channel named name: a 2xx whose body holds
// no refusal is nil; 4xx (but 429) is final, as the same message would be refused
// again; a refusal in a 200, a 429 and a 5xx are tried again. Error texts carry the
// answer's status and code, never the URL (it holds the robot's key).
func checkAnswer(name string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var a robotAnswer
		if json.Unmarshal(body, &a) == nil {
			if f := a.failure(); f != "" {
				return fmt.Errorf("%s answered %s with %s", name, resp.Status, f)
			}
		}
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s refused the notification: %s", name, resp.Status), "WebhookRefused", nil)
	default:
		return fmt.Errorf("%s answered %s", name, resp.Status)
	}
}

// sendError is a failed request of a channel named name, without the URL that
// net/http puts in its errors: a robot's URL holds its key.
func sendError(name string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", name, err)
}
