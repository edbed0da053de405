package export

// Chinese names of what entries store as codes (the PWA's labels.ts says the same).
var statusNames = map[string]string{
	"draft": "草稿", "submitted": "待审核", "reviewed": "待复核", "approved": "已通过", "returned": "已退回", "rejected": "已驳回",
	"accepted": "已立项", "rectifying": "整改中", "rectified": "待销号", "closed": "已销号", "filed": "已报送",
}

var actionNames = map[string]string{
	"create": "创建", "edit": "修改", "submit": "提交", "approve": "通过", "return": "退回", "reject": "驳回",
	"accept": "立项", "measure": "报整改结果", "rectify": "提请销号", "close": "销号", "reopen": "重新整改",
}

func named(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}
