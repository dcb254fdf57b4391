package service

import "io"

// Download is a file a use case made for its caller, ready to send: what an
// answer's headers say of it, and its bytes. Every check is behind it, and so is
// the access log's entry of the personal data it holds: a front door sends it
// whole, or fails while sending.
type Download struct {
	// Name is the file's name, ContentType its media type.
	Name, ContentType string
	// Size is its length in bytes, or -1 when it is written as it is made.
	Size  int64
	write func(io.Writer) error
	close func()
}

// Send writes the file to w.
func (d *Download) Send(w io.Writer) error { return d.write(w) }

// Close lets go of what the file holds (the ledger's scratch copy), sent or not.
func (d *Download) Close() {
	if d.close != nil {
		d.close()
	}
}

// contentTypes are the media types of the formats rectify hands out.
var contentTypes = map[string]string{
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"csv":  "text/csv; charset=utf-8",
}
