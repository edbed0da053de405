package forms

// signatureType is a handwritten signature, stored as one image attachment id.
type signatureType struct{}

func (signatureType) settings() []setting            { return nil }
func (signatureType) holdsValue() bool               { return true }
func (signatureType) checkSettings(*Field) []problem { return nil }

func (signatureType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	if !isAttachmentID(v) {
		return nil, fail("invalid_attachment", "签名图片无效")
	}
	return v, nil
}
