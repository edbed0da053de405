package entries

// StatusNames and ActionNames are the Chinese words for the codes entries
// store, for what leaves the system as text (exports, import reports); the
// PWA's labels.ts says the same.
var (
	StatusNames = map[string]string{
		"draft": "草稿", "submitted": "待审核", "reviewed": "待复核", "approved": "已通过", "returned": "已退回", "rejected": "已驳回",
		"accepted": "已立项", "rectifying": "整改中", "rectified": "待销号", "closed": "已销号", "filed": "已报送",
	}
	ActionNames = map[string]string{
		"create": "创建", "edit": "修改", "submit": "提交", "approve": "通过", "return": "退回", "reject": "驳回",
		"accept": "立项", "measure": "报整改结果", "rectify": "提请销号", "close": "销号", "reopen": "重新整改", "import": "导入",
	}
)
