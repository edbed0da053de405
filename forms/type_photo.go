package forms

import "fmt"

// photoType is one or more uploaded images, by attachment id. That the ids exist,
// belong to the filer and are images is checked by the entries service, which
// knows the attachments; the form checks the shape and the count.
type photoType struct{}

// MaxFilesLimit caps maxFiles for photo and file fields.
const MaxFilesLimit = 50

const defaultMaxFiles = 9

func (photoType) settings() []setting { return []setting{sMaxFiles} }
func (photoType) holdsValue() bool    { return true }

func (photoType) checkSettings(f *Field) []problem { return checkMaxFiles(f) }

func (photoType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkAttachments(f, v) }

func checkMaxFiles(f *Field) []problem {
	if f.MaxFiles != nil && (*f.MaxFiles < 1 || *f.MaxFiles > MaxFilesLimit) {
		return fail("out_of_range", fmt.Sprintf("maxFiles 应在 1 到 %d 之间", MaxFilesLimit))
	}
	return nil
}

func checkAttachments(f *Field, v any) (any, []problem) {
	list, ok := v.([]any)
	if !ok {
		return nil, fail("type", "应为附件列表")
	}
	for _, item := range list {
		if !isAttachmentID(item) {
			return nil, fail("invalid_attachment", "附件编号无效")
		}
	}
	limit := defaultMaxFiles
	if f.MaxFiles != nil {
		limit = *f.MaxFiles
	}
	if len(list) > limit {
		return nil, fail("too_many", fmt.Sprintf("最多上传 %d 个文件", limit), "max", limit)
	}
	return list, nil
}

func isAttachmentID(v any) bool {
	s, ok := v.(string)
	return ok && matches(`[0-9a-f]{24,64}`, s)
}
