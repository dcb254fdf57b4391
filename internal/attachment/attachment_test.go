package attachment_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"rectify/internal/attachment"
	"rectify/internal/attachment/attachmenttest"
)

// oleFile is a compound file (OLE2) holding empty streams of these names, as Word,
// Excel and PowerPoint 97–2003 (and installers, and mail messages) write them.
func oleFile(t *testing.T, streams ...string) []byte {
	t.Helper()
	const sector = 512
	le := binary.LittleEndian
	header := make([]byte, sector)
	copy(header, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(header[24:], 0x3E)       // minor version
	le.PutUint16(header[26:], 3)          // major version
	le.PutUint16(header[28:], 0xFFFE)     // byte order
	le.PutUint16(header[30:], 9)          // 512-byte sectors
	le.PutUint16(header[32:], 6)          // 64-byte mini sectors
	le.PutUint32(header[44:], 1)          // one FAT sector
	le.PutUint32(header[48:], 1)          // the directory in sector 1
	le.PutUint32(header[56:], 0x1000)     // mini stream cutoff
	le.PutUint32(header[60:], 0xFFFFFFFE) // no mini FAT
	le.PutUint32(header[68:], 0xFFFFFFFE) // no DIFAT sectors
	for i := range 109 {
		le.PutUint32(header[76+4*i:], 0xFFFFFFFF)
	}
	le.PutUint32(header[76:], 0) // the FAT in sector 0
	fat := bytes.Repeat([]byte{0xFF}, sector)
	le.PutUint32(fat[0:], 0xFFFFFFFD) // sector 0 is the FAT
	le.PutUint32(fat[4:], 0xFFFFFFFE) // sector 1, the directory, ends its chain
	require.LessOrEqual(t, len(streams), 3, "one directory sector holds the root and three streams")
	dir := make([]byte, sector)
	entry := func(i int, name string, kind byte, child, right uint32) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*(len(u)+1)))
		e[66], e[67] = kind, 1
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], 0xFFFFFFFE)
	}
	child := uint32(0xFFFFFFFF)
	if len(streams) > 0 {
		child = 1
	}
	entry(0, "Root Entry", 5, child, 0xFFFFFFFF)
	for i, name := range streams {
		right := uint32(0xFFFFFFFF)
		if i+1 < len(streams) {
			right = uint32(i + 2)
		}
		entry(i+1, name, 2, 0xFFFFFFFF, right)
	}
	for i := len(streams) + 1; i < 4; i++ {
		le.PutUint32(dir[i*128+68:], 0xFFFFFFFF)
		le.PutUint32(dir[i*128+72:], 0xFFFFFFFF)
		le.PutUint32(dir[i*128+76:], 0xFFFFFFFF)
	}
	return append(append(header, fat...), dir...)
}

// zipOf is a zip archive holding empty entries of these names.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		_, err := zw.Create(n)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return b.Bytes()
}

// webp is the start of a WebP file of one kind of first chunk, with the canvas
// size written in it.
func webp(chunk string, w, h int) []byte {
	b := make([]byte, 40)
	copy(b, "RIFF")
	copy(b[8:], "WEBP")
	copy(b[12:], chunk)
	switch chunk {
	case "VP8 ":
		copy(b[23:], []byte{0x9d, 0x01, 0x2a})
		binary.LittleEndian.PutUint16(b[26:], uint16(w))
		binary.LittleEndian.PutUint16(b[28:], uint16(h))
	case "VP8L":
		b[20] = 0x2f
		bits := uint32(w-1) | uint32(h-1)<<14
		binary.LittleEndian.PutUint32(b[21:], bits)
	case "VP8X":
		put24 := func(at, v int) { b[at], b[at+1], b[at+2] = byte(v), byte(v>>8), byte(v>>16) }
		put24(24, w-1)
		put24(27, h-1)
	}
	return b
}

func TestEveryKindTakenIsRecognisedByItsContentWhateverItsName(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want attachment.Kind
	}{
		{"现场照片.jpg", attachmenttest.JPEG(t, 64, 48), attachment.JPEG},
		{"截图.png", attachmenttest.PNG(t, 64, 48), attachment.PNG},
		{"动图.gif", attachmenttest.GIF(t, 16, 16), attachment.GIF},
		{"lossy.webp", webp("VP8 ", 640, 480), attachment.WebP},
		{"lossless.webp", webp("VP8L", 640, 480), attachment.WebP},
		{"extended.webp", webp("VP8X", 640, 480), attachment.WebP},
		{"验收报告.pdf", attachmenttest.PDF(), attachment.PDF},
		{"整改方案.docx", attachmenttest.DOCX(t), attachment.DOCX},
		{"台账.xlsx", zipOf(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), attachment.XLSX},
		{"汇报.pptx", zipOf(t, "[Content_Types].xml", "ppt/presentation.xml"), attachment.PPTX},
		{"旧方案.doc", oleFile(t, "WordDocument", "1Table"), attachment.DOC},
		{"旧台账.xls", oleFile(t, "Workbook"), attachment.XLS},
		{"Excel 5.xls", oleFile(t, "Book"), attachment.XLS},
		{"旧汇报.ppt", oleFile(t, "PowerPoint Document", "Current User"), attachment.PPT},
		// The name says nothing: a PNG called .pdf is a PNG.
		{"misnamed.pdf", attachmenttest.PNG(t, 8, 8), attachment.PNG},
		{"no extension", attachmenttest.PDF(), attachment.PDF},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, err := attachment.Check(tt.name, tt.data)
			require.NoError(t, err)
			require.Equal(t, tt.want, k)
		})
	}
}

func TestWhatIsNotTakenIsRefusedNamingTheFileAndTheRule(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		code string
		says string
	}{
		{"照片.jpg", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), attachment.RuleType, "web page"},
		{"照片.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), attachment.RuleType, "SVG"},
		{"logo.svg", []byte(`<svg onload="alert(1)"/>`), attachment.RuleType, "SVG"},
		{"说明.txt", []byte("整改完成"), attachment.RuleType, "text"},
		{"run.sh", []byte("#!/bin/sh\nrm -rf /\n"), attachment.RuleType, "script"},
		{"setup.exe", append([]byte("MZ"), make([]byte, 100)...), attachment.RuleType, "program"},
		{"照片.zip", zipOf(t, "a.jpg", "b.jpg"), attachment.RuleType, "zip archive"},
		{"fake.docx", zipOf(t, "[Content_Types].xml"), attachment.RuleType, "not a Word, Excel or PowerPoint"},
		{"宏.docm", zipOf(t, "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), attachment.RuleType, "macros"},
		{"宏.xls", oleFile(t, "Workbook", "_VBA_PROJECT_CUR"), attachment.RuleType, "macros"},
		{"install.msi", oleFile(t, "\x05SummaryInformation"), attachment.RuleType, "installer"},
		{"broken.doc", append(slicesClone([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}), make([]byte, 40)...), attachment.RuleUnreadable, "cannot be read"},
		{"broken.docx", []byte("PK\x03\x04 and nothing else"), attachment.RuleUnreadable, "cannot be read"},
		{"empty.jpg", nil, attachment.RuleEmpty, "empty"},
		{"truncated.png", attachmenttest.PNG(t, 64, 48)[:20], attachment.RuleUnreadable, "cannot be read"},
		{"huge.webp", webp("VP8X", 10000, 10000), attachment.RuleImageTooLarge, "100 megapixels"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := attachment.Check(tt.name, tt.data)
			var e *attachment.Error
			require.True(t, errors.As(err, &e), "refused: %v", err)
			require.Equal(t, tt.code, e.Code, e.Error())
			require.Contains(t, e.Error(), tt.name, "the message names the file")
			require.Contains(t, e.Error(), tt.says)
		})
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

// A PNG of a few kilobytes that claims 20000×20000 pixels is refused from its
// header, before anything would decode it.
func TestADecompressionBombIsRefusedFromItsHeader(t *testing.T) {
	data := attachmenttest.PNG(t, 10, 10)
	// IHDR's width and height, then its CRC, which png.DecodeConfig checks.
	binary.BigEndian.PutUint32(data[16:], 20000)
	binary.BigEndian.PutUint32(data[20:], 20000)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	_, err := attachment.Check("bomb.png", data)
	var e *attachment.Error
	require.True(t, errors.As(err, &e), "refused: %v", err)
	require.Equal(t, attachment.RuleImageTooLarge, e.Code)
	require.Contains(t, e.Error(), "20000×20000")
}

func TestAThumbnailIsASmallJPEGDrawnFromThePixels(t *testing.T) {
	for _, tt := range []struct {
		name       string
		data       []byte
		kind       attachment.Kind
		wantW      int
		wantH      int
		wantCorner color.RGBA
	}{
		{"wide.png", attachmenttest.PNG(t, 1200, 600), attachment.PNG, 240, 120, red},
		{"tall.jpg", attachmenttest.JPEG(t, 300, 900), attachment.JPEG, 80, 240, red},
		{"small.gif", attachmenttest.GIF(t, 100, 50), attachment.GIF, 100, 50, red},
	} {
		t.Run(tt.name, func(t *testing.T) {
			thumb, err := attachment.Thumbnail(tt.name, tt.kind, tt.data)
			require.NoError(t, err)
			img, err := jpeg.Decode(bytes.NewReader(thumb))
			require.NoError(t, err, "a JPEG")
			require.Equal(t, image.Pt(tt.wantW, tt.wantH), img.Bounds().Size(), "at most 240 pixels on the long side, never enlarged")
			// The pictures are red on the left half, blue on the right.
			requireNear(t, tt.wantCorner, img.At(2, 2))
			requireNear(t, blue, img.At(tt.wantW-3, tt.wantH-3))
		})
	}
	none, err := attachment.Thumbnail("scan.pdf", attachment.PDF, attachmenttest.PDF())
	require.NoError(t, err)
	require.Nil(t, none, "no thumbnail of a document")
}

func TestATransparentPNGsThumbnailIsOverWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 50, 50)) // every pixel transparent
	thumb, err := attachment.Thumbnail("clear.png", attachment.PNG, attachmenttest.Encode(t, img))
	require.NoError(t, err)
	out, err := jpeg.Decode(bytes.NewReader(thumb))
	require.NoError(t, err)
	requireNear(t, color.RGBA{255, 255, 255, 255}, out.At(25, 25))
}

// A phone's photo taken upright keeps its pixels sideways and says so in EXIF: its
// thumbnail stands upright.
func TestAPhotosThumbnailFollowsItsEXIFOrientation(t *testing.T) {
	sideways := attachmenttest.JPEG(t, 400, 200) // red left, blue right
	for _, tt := range []struct {
		orientation                  int
		size                         image.Point
		topLeft, bottomRight         color.RGBA
		topLeftSays, bottomRightSays string
	}{
		{1, image.Pt(240, 120), red, blue, "as taken", "as taken"},
		{3, image.Pt(240, 120), blue, red, "turned over", "turned over"},
		{6, image.Pt(120, 240), red, blue, "red on top once turned clockwise", "blue at the bottom"},
		{8, image.Pt(120, 240), blue, red, "blue on top once turned anticlockwise", "red at the bottom"},
	} {
		thumb, err := attachment.Thumbnail("phone.jpg", attachment.JPEG, withOrientation(sideways, tt.orientation))
		require.NoError(t, err)
		img, err := jpeg.Decode(bytes.NewReader(thumb))
		require.NoError(t, err)
		require.Equal(t, tt.size, img.Bounds().Size(), "orientation %d", tt.orientation)
		requireNear(t, tt.topLeft, img.At(3, 3), tt.topLeftSays)
		requireNear(t, tt.bottomRight, img.At(tt.size.X-4, tt.size.Y-4), tt.bottomRightSays)
	}
}

var red, blue = attachmenttest.Red, attachmenttest.Blue

// withOrientation puts an EXIF block with the orientation tag right after a
// JPEG's start marker.
func withOrientation(jpg []byte, orientation int) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08" + // big-endian, first IFD at 8
		"\x00\x01" + // one entry
		"\x01\x12\x00\x03\x00\x00\x00\x01") // orientation, SHORT, one value
	tiff = append(tiff, 0, byte(orientation), 0, 0)
	tiff = append(tiff, 0, 0, 0, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func requireNear(t *testing.T, want color.RGBA, got color.Color, msg ...any) {
	t.Helper()
	r, g, b, _ := got.RGBA()
	near := func(a uint8, b uint32) bool { d := int(a) - int(b>>8); return d > -40 && d < 40 }
	require.True(t, near(want.R, r) && near(want.G, g) && near(want.B, b), "want about %v, got %d,%d,%d %v", want, r>>8, g>>8, b>>8, msg)
}

func TestANameIsKeptAsGivenButCleaned(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"现场照片.jpg", "现场照片.jpg"},
		{`C:\Users\王\Desktop\整改前.jpg`, "整改前.jpg"},
		{"../../etc/passwd.pdf", "passwd.pdf"},
		{"\u200b 照片\u0007.jpg \ufeff", "照片.jpg"},
		{"a\"b.pdf", "a b.pdf"},
		{"", "附件.jpg"},
		{"..", "附件.jpg"},
		{strings.Repeat("长", 300) + ".jpeg", strings.Repeat("长", 115) + ".jpeg"},
	} {
		require.Equal(t, tt.want, attachment.CleanName(tt.in, attachment.JPEG), "%q", tt.in)
	}
}

// Whatever the bytes, a file is taken or refused with a rule: never a panic (the
// OLE2 and zip readers, the photo headers and decoders meet untrusted input).
func FuzzCheckAndThumbnail(f *testing.F) {
	f.Add(attachmenttest.PNG(f, 8, 8))
	f.Add(attachmenttest.JPEG(f, 8, 8))
	f.Add(attachmenttest.GIF(f, 8, 8))
	f.Add(attachmenttest.PDF())
	f.Add(attachmenttest.DOCX(f))
	f.Add(webp("VP8L", 8, 8))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := attachment.Check("fuzz", data)
		if err != nil {
			var e *attachment.Error
			require.True(t, errors.As(err, &e), "a refusal with a rule: %v", err)
			return
		}
		if _, err := attachment.Thumbnail("fuzz", k, data); err != nil {
			var e *attachment.Error
			require.True(t, errors.As(err, &e), "a refusal with a rule: %v", err)
		}
	})
}
