package attachment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"rectify/internal/web/i18n"
)

// ThumbnailSide is the long side of a thumbnail, in pixels: a row of them fits a
// queue's line and an opinion's page.
const ThumbnailSide = 240

// dimensions reads a photo's width and height from its header, without decoding it.
func dimensions(k Kind, data []byte) (w, h int, err error) {
	if k == WebP {
		return webpDimensions(data)
	}
	var cfg image.Config
	switch k {
	case JPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case PNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case GIF:
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	default:
		return 0, 0, fmt.Errorf("%s is not a photo", k.Label)
	}
	return cfg.Width, cfg.Height, err
}

// webpDimensions reads a WebP file's canvas from its first chunk: lossy (VP8),
// lossless (VP8L) or extended (VP8X). Go has no WebP decoder of its own, so
// rectify keeps WebP photos without a thumbnail, but never without this check.
func webpDimensions(data []byte) (w, h int, err error) {
	if len(data) < 30 {
		return 0, 0, errors.New("the file is too short")
	}
	switch string(data[12:16]) {
	case "VP8 ":
		if !bytes.Equal(data[23:26], []byte{0x9d, 0x01, 0x2a}) {
			return 0, 0, errors.New("no VP8 start code")
		}
		return int(binary.LittleEndian.Uint16(data[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(data[28:30]) & 0x3fff), nil
	case "VP8L":
		if data[20] != 0x2f {
			return 0, 0, errors.New("no VP8L signature")
		}
		b := data[21:25]
		return 1 + int(b[0]) | int(b[1]&0x3f)<<8, 1 + (int(b[1])>>6 | int(b[2])<<2 | int(b[3]&0x0f)<<10), nil
	case "VP8X":
		le24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
		return 1 + le24(data[24:27]), 1 + le24(data[27:30]), nil
	}
	return 0, 0, fmt.Errorf("unknown WebP chunk %q", data[12:16])
}

// decoding lets one photo be decoded at a time: a photo of MaxPixels takes up to
// a few hundred megabytes decoded, and a burst of uploads must not hold many at once.
var decoding = make(chan struct{}, 1)

// Thumbnail draws the JPEG thumbnail of a photo Check accepted as a kind with a
// thumbnail: at most ThumbnailSide pixels on its long side, turned upright as its
// EXIF orientation says, transparency over white. It is drawn from the decoded
// pixels, so none of the uploaded bytes reach a page. A photo that cannot be
// decoded is refused (RuleUnreadable).
func Thumbnail(name string, k Kind, data []byte) ([]byte, error) {
	if !k.Thumbnail {
		return nil, nil
	}
	decoding <- struct{}{}
	img, err := decode(k, data)
	var small *image.RGBA
	if err == nil {
		small = downscale(img, ThumbnailSide)
	}
	<-decoding
	if err != nil {
		return nil, refuse(RuleUnreadable, i18n.M("attachment.photo_unreadable", name, photoNames[k.ContentType], err.Error()))
	}
	if k == JPEG {
		small = orient(small, exifOrientation(data))
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// decode decodes a photo of a kind with a thumbnail (the first frame of a GIF).
func decode(k Kind, data []byte) (image.Image, error) {
	switch k {
	case JPEG:
		return jpeg.Decode(bytes.NewReader(data))
	case PNG:
		return png.Decode(bytes.NewReader(data))
	case GIF:
		return gif.Decode(bytes.NewReader(data))
	}
	return nil, fmt.Errorf("rectify draws no thumbnail of a %s", k.Label)
}

// samples bounds the source pixels averaged per thumbnail pixel and axis: a box
// filter over an evenly spaced grid of at most samples×samples pixels of its box,
// so a 50-megapixel photo costs a few million reads, not fifty.
const samples = 8

// downscale shrinks img so that its long side is at most side pixels (never
// enlarging it), averaging the pixels each thumbnail pixel covers, composited over
// white (JPEG has no transparency).
func downscale(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if w >= h && w > side {
		tw, th = side, max(1, h*side/w)
	} else if h > w && h > side {
		tw, th = max(1, w*side/h), side
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	for ty := range th {
		y0, y1 := b.Min.Y+ty*h/th, b.Min.Y+max((ty+1)*h/th, ty*h/th+1)
		stepY := max(1, (y1-y0)/samples)
		for tx := range tw {
			x0, x1 := b.Min.X+tx*w/tw, b.Min.X+max((tx+1)*w/tw, tx*w/tw+1)
			stepX := max(1, (x1-x0)/samples)
			var r, g, bl, a, n uint64
			for y := y0; y < y1; y += stepY {
				for x := x0; x < x1; x += stepX {
					cr, cg, cb, ca := img.At(x, y).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			// Premultiplied colour plus white where it is transparent.
			white := 0xffff*n - a
			dst.SetRGBA64(tx, ty, color.RGBA64{
				R: uint16((r + white) / n), G: uint16((g + white) / n), B: uint16((bl + white) / n), A: 0xffff,
			})
		}
	}
	return dst
}

// orient turns a thumbnail upright as an EXIF orientation (1–8) says: phones keep
// the pixels as the sensor read them and note how to turn them.
func orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if orientation >= 5 { // 5–8 swap the axes
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch orientation {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // mirrored, turned
				dx, dy = y, x
			case 6: // turned a quarter clockwise to stand upright
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8: // a quarter anticlockwise
				dx, dy = y, w-1-x
			}
			out.SetRGBA(dx, dy, img.RGBAAt(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// exifOrientation reads the orientation tag (0x0112) of a JPEG's EXIF block; 1
// (as taken) when there is none or it cannot be read.
func exifOrientation(data []byte) int {
	// Walk the JPEG's segments up to the image data, looking for APP1 "Exif".
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation reads the orientation of the first IFD of a TIFF header (EXIF's).
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd : ifd+2]))
	for e := range n {
		at := ifd + 2 + 12*e
		if at+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[at:at+2]) == 0x0112 {
			if v := int(bo.Uint16(t[at+8 : at+10])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
