package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/notify/notifytest"
	"rectify/internal/tlstest"
)

func message() Message {
	return Message{
		Title:    "【整改交办】TJ-001 幸福路路灯不亮",
		Lines:    []string{"责任人：王科长（城管科）", "整改时限：2026-11-30"},
		Link:     "https://rectify.example.gov.cn/opinions/qzlx-2026%2FTJ-001",
		LinkText: "查看详情",
	}
}

func TestRobotsSpeakEachPlatformsProtocolAndSignature(t *testing.T) {
	for _, tc := range []struct{ platform, secret string }{
		{"dingtalk", "SEC0123456789abcdef"}, {"dingtalk", ""}, {"wecom", ""}, {"feishu", "fs-secret"}, {"feishu", ""},
	} {
		t.Run(tc.platform+"/"+strconv.FormatBool(tc.secret != ""), func(t *testing.T) {
			robot := notifytest.NewRobot(t, tc.platform, tc.secret)
			s := &Sender{Robots: NewRobots()}
			a := Address{Channel: Channel(tc.platform), URL: robot.URL(), Secret: tc.secret}
			require.NoError(t, CheckWebhook(a.Channel, a.URL))
			require.NoError(t, s.Send(context.Background(), a, message()))
			got := robot.Messages()
			require.Len(t, got, 1, "the robot accepted it (its signature checked)")
			var body map[string]any
			require.NoError(t, json.Unmarshal(got[0], &body))
			text := string(got[0])
			switch tc.platform {
			case "dingtalk":
				require.Equal(t, "markdown", body["msgtype"])
				md := body["markdown"].(map[string]any)
				require.Equal(t, message().Title, md["title"])
				require.Contains(t, md["text"], "责任人：王科长")
				require.Contains(t, md["text"], "[查看详情]("+message().Link+")")
			case "wecom":
				require.Equal(t, "markdown", body["msgtype"])
				require.Contains(t, body["markdown"].(map[string]any)["content"], "整改时限：2026-11-30")
			case "feishu":
				require.Equal(t, "post", body["msg_type"])
				require.Contains(t, text, `"href":"`+message().Link+`"`)
				require.Contains(t, text, "整改时限：2026-11-30")
			}
		})
	}
}

func TestRobotWithTheWrongSecretIsRefusedNotDelivered(t *testing.T) {
	for _, platform := range []string{"dingtalk", "feishu"} {
		robot := notifytest.NewRobot(t, platform, "the-right-one")
		err := (&Sender{Robots: NewRobots()}).Send(context.Background(),
			Address{Channel: Channel(platform), URL: robot.URL(), Secret: "a-wrong-one"}, message())
		require.Error(t, err, "%s answered 200 with a non-zero code: not delivered", platform)
		require.Contains(t, err.Error(), "310000")
		require.NotContains(t, err.Error(), robot.Key, "the error never holds the webhook's key")
		require.NotContains(t, err.Error(), "a-wrong-one")
		require.Empty(t, robot.Messages())
		require.Equal(t, 1, robot.Refusals())
	}
}

func TestRobotRefusalIsRetriedAndA4xxIsFinal(t *testing.T) {
	robot := notifytest.NewRobot(t, "wecom", "")
	robot.Refuse(1)
	s := &Sender{Robots: NewRobots()}
	a := Address{Channel: ChannelWeCom, URL: robot.URL()}
	err := s.Send(context.Background(), a, message())
	require.Error(t, err)
	require.Contains(t, err.Error(), "errcode 45009")
	var ae *temporal.ApplicationError
	require.False(t, errors.As(err, &ae) && ae.NonRetryable(), "a refusal in a 200 is tried again")
	require.NoError(t, s.Send(context.Background(), a, message()), "and succeeds once the robot takes it")
	require.Len(t, robot.Messages(), 1)
}

func TestCheckWebhookWantsEachPlatformsShape(t *testing.T) {
	require.NoError(t, CheckWebhook(ChannelDingTalk, "https://oapi.dingtalk.com/robot/send?access_token=abc"))
	require.Error(t, CheckWebhook(ChannelDingTalk, "https://oapi.dingtalk.com/robot/send"))
	require.NoError(t, CheckWebhook(ChannelWeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"))
	require.Error(t, CheckWebhook(ChannelWeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"))
	require.NoError(t, CheckWebhook(ChannelFeishu, "https://open.feishu.cn/open-apis/bot/v2/hook/abc"))
	require.Error(t, CheckWebhook(ChannelFeishu, "ftp://open.feishu.cn/open-apis/bot/v2/hook/abc"))
	err := CheckWebhook(ChannelWeCom, "https://qyapi.weixin.qq.com/x?token=SECRET")
	require.NotContains(t, err.Error(), "SECRET")
}

func TestAddressSafeHidesSecrets(t *testing.T) {
	require.Equal(t, "oapi.dingtalk.com", Address{Channel: ChannelDingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=SECRET", Secret: "S"}.Safe())
	require.Equal(t, "w***@example.gov.cn", Address{Channel: ChannelEmail, Email: "wang@example.gov.cn"}.Safe())
}

// mailServer is a real SMTP server with STARTTLS and a password, and a Mail that
// trusts it.
func mailServer(t *testing.T) (*notifytest.SMTP, *Mail) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "mail-ca")
	cert, key := ca.Issue(t, "smtp", "127.0.0.1", "localhost")
	pair, err := tls.LoadX509KeyPair(cert, key)
	require.NoError(t, err)
	srv := notifytest.NewSMTP(t, "notify@example.gov.cn", "s3cret-pass", &tls.Config{Certificates: []tls.Certificate{pair}})
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	client := ca.ClientConfig(t, "", "")
	client.ServerName = "localhost"
	return srv, &Mail{Host: host, Port: p, Username: "notify@example.gov.cn", Password: "s3cret-pass",
		From: "整改办 <notify@example.gov.cn>", TLSMode: MailStartTLS, TLSConfig: client}
}

func TestMailReachesARealSMTPServerOverSTARTTLS(t *testing.T) {
	srv, m := mailServer(t)
	m.From = "notify@example.gov.cn"
	require.NoError(t, (&Sender{Mail: m}).Send(context.Background(), Address{Channel: ChannelEmail, Email: "wang@example.gov.cn"}, message()))
	mails := srv.Mails()
	require.Len(t, mails, 1)
	require.Equal(t, []string{"wang@example.gov.cn"}, mails[0].To)
	msg, err := mail.ReadMessage(strings.NewReader(string(mails[0].Data)))
	require.NoError(t, err)
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, message().Title, subject)
	require.Equal(t, "base64", msg.Header.Get("Content-Transfer-Encoding"))
	raw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(mustRead(t, msg), "\r\n", ""))
	require.Contains(t, string(raw), "整改时限：2026-11-30")
	require.Contains(t, string(raw), message().Link)
}

func mustRead(t *testing.T, msg *mail.Message) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := msg.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func TestMailWithAWrongPasswordIsFinalAndSaysNoSecret(t *testing.T) {
	srv, m := mailServer(t)
	m.Password = "wrong-pass"
	err := m.Send(context.Background(), "wang@example.gov.cn", message())
	require.Error(t, err)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae) && ae.NonRetryable(), "535 is final: %v", err)
	require.NotContains(t, err.Error(), "wrong-pass")
	require.Empty(t, srv.Mails())
}

func TestMailRefusesAServerWithoutSTARTTLS(t *testing.T) {
	srv := notifytest.NewSMTP(t, "", "", nil)
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	m := &Mail{Host: host, Port: p, From: "notify@example.gov.cn", TLSMode: MailStartTLS}
	err := m.Send(context.Background(), "wang@example.gov.cn", message())
	require.ErrorContains(t, err, "STARTTLS")
	m.TLSMode = MailPlain
	require.NoError(t, m.Send(context.Background(), "wang@example.gov.cn", message()), "a plain relay when told so")
	require.Len(t, srv.Mails(), 1)
}
