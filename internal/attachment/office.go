package attachment

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"

	"github.com/richardlehane/mscfb"

	"rectify/internal/web/i18n"
)

// ole2Magic starts every OLE2 compound file: Word, Excel and PowerPoint 97–2003
// documents, and also installers (.msi) and Outlook messages, which are refused.
var ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// officeZip recognises a Word, Excel or PowerPoint document (OOXML): a zip whose
// entries include [Content_Types].xml and the document's main part. A zip without
// them is an archive of anything and is refused, and so is a document with macros
// (vbaProject.bin). Only the zip's directory is read: nothing is decompressed.
func officeZip(name string, data []byte) (Kind, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Kind{}, refuse(RuleUnreadable, i18n.M("attachment.zip_unreadable", name, err.Error()))
	}
	var contentTypes bool
	kind := Kind{}
	for _, f := range zr.File {
		switch f.Name {
		case "[Content_Types].xml":
			contentTypes = true
		case "word/document.xml":
			kind = DOCX
		case "xl/workbook.xml":
			kind = XLSX
		case "ppt/presentation.xml":
			kind = PPTX
		}
		if strings.HasSuffix(strings.ToLower(f.Name), "vbaproject.bin") {
			return Kind{}, refuse(RuleType, i18n.M("attachment.macros", name))
		}
	}
	if !contentTypes || kind == (Kind{}) {
		return Kind{}, refuse(RuleType, i18n.M("attachment.zip_not_office", name, taken))
	}
	return kind, nil
}

// officeOLE2 recognises a Word, Excel or PowerPoint 97–2003 document by the
// streams its compound file holds. Other compound files (installers, messages,
// encrypted documents) and documents with macros are refused.
func officeOLE2(name string, data []byte) (k Kind, err error) {
	// The reader is a third party's: a malformed file must be refused, never
	// bring the server down.
	defer func() {
		if v := recover(); v != nil {
			k, err = Kind{}, refuse(RuleUnreadable, i18n.M("attachment.ole2_unreadable", name, fmt.Sprint(v)))
		}
	}()
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return Kind{}, refuse(RuleUnreadable, i18n.M("attachment.ole2_unreadable", name, err.Error()))
	}
	for _, f := range r.File {
		switch f.Name {
		case "WordDocument":
			k = DOC
		case "Workbook", "Book":
			k = XLS
		case "PowerPoint Document":
			k = PPT
		case "Macros", "_VBA_PROJECT_CUR", "VBA":
			return Kind{}, refuse(RuleType, i18n.M("attachment.macros", name))
		}
	}
	if k == (Kind{}) {
		return Kind{}, refuse(RuleType, i18n.M("attachment.ole2_other", name, taken))
	}
	return k, nil
}
