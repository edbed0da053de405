package forms

// DefaultCampaignEnd is the last day of the demo campaign: measures must be due
// by then ("倒排时间进度").
const DefaultCampaignEnd = "2027-06-30"

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }

// Templates are the three forms of the campaign, offered to administrators as
// starting points and loaded by demo mode. campaignEnd bounds measure deadlines.
func Templates(campaignEnd string) []Form {
	return []Form{shishiTemplate(), problemTemplate(campaignEnd), weeklyTemplate()}
}

// ShishiCategories are the seven kinds of practical things named in the speech.
var ShishiCategories = []Option{
	{"epidemic", "疫情防控"}, {"flood", "防汛抗灾"}, {"rural", "乡村振兴"}, {"livelihood", "民生改善"},
	{"governance", "基层治理"}, {"disputes", "化解矛盾纠纷"}, {"petitions", "解决信访积案"},
}

func shishiTemplate() Form {
	return Form{Key: "shishi", Title: "我为群众办实事台账", Category: CategoryShishi, Workflow: "approval", TitleField: "title",
		Description: "干部走基层、办实事的记录：办了什么、为谁办、在哪里办、办得怎么样。",
		Fields: []Field{
			{Key: "category", Type: "select", Label: "实事类别", Required: true, Options: ShishiCategories, Reportable: true},
			{Key: "title", Type: "text", Label: "实事名称", Required: true, MinLength: intp(4), MaxLength: intp(60)},
			{Key: "people_served", Type: "integer", Label: "受益群众（人）", Required: true, Min: floatp(1), Max: floatp(1000000)},
			{Key: "place", Type: "text", Label: "地点", Required: true, MaxLength: intp(100)},
			{Key: "location", Type: "geopoint", Label: "定位"},
			{Key: "done_on", Type: "date", Label: "办理日期", Required: true,
				ValidIf: map[string]any{"<=": []any{map[string]any{"var": "done_on"}, map[string]any{"today": []any{}}}}, ValidMessage: "办理日期不能晚于今天"},
			{Key: "description", Type: "textarea", Label: "办理情况", Required: true, MinLength: intp(20), MaxLength: intp(2000),
				Help: "写清楚群众的什么问题、采取了什么办法、结果如何（至少 20 字）"},
			{Key: "photos", Type: "photo", Label: "现场照片", Required: true, MaxFiles: intp(9)},
		}}
}

func problemTemplate(campaignEnd string) Form {
	deadlineRule := map[string]any{"<=": []any{map[string]any{"today": []any{}}, map[string]any{"var": "deadline"}, campaignEnd}}
	return Form{Key: "problem", Title: "问题清单", Category: CategoryProblem, Workflow: "rectification", TitleField: "problem",
		Description: "对照检查、巡察反馈、群众反映和自查发现的问题，每个问题都要有具体的整改措施、责任人和完成时限。",
		// 立项 items are public commitments: the problem and each measure with
		// its deadline (never who is responsible, nor anyone's data).
		PublicCommitment: true,
		Fields: []Field{
			{Key: "problem", Type: "textarea", Label: "问题表现", Required: true, MinLength: intp(10), MaxLength: intp(1000), Public: true},
			{Key: "source", Type: "radio", Label: "问题来源", Required: true, Options: []Option{
				{"benchmarks", "四个对照"}, {"inspection", "巡察反馈"}, {"public", "群众反映"}, {"self", "自查"}}},
			{Key: "style", Type: "radio", Label: "问题类型", Required: true, Options: []Option{
				{"yong", "慵"}, {"lan", "懒"}, {"san", "散"}, {"fu", "浮"}, {"tuo", "拖"}}},
			{Key: "owner", Type: "text", Label: "责任人", Required: true, MaxLength: intp(30)},
			{Key: "measures", Type: "group", Label: "整改措施", Required: true, MinItems: intp(1), MaxItems: intp(20), Public: true, Fields: []Field{
				{Key: "measure", Type: "textarea", Label: "措施", Required: true, MinLength: intp(15), MaxLength: intp(500), NotVague: true, Public: true,
					Help: "写明具体做什么、谁来做、做到什么程度；不要只写“加强”“进一步”“认真落实”"},
				{Key: "deadline", Type: "date", Label: "完成时限", Required: true, ValidIf: deadlineRule, Public: true,
					ValidMessage: "完成时限应在今天到整顿结束（" + campaignEnd + "）之间"},
				{Key: "owner", Type: "text", Label: "措施责任人", MaxLength: intp(30), Help: "不填则为本问题的责任人"},
			}},
		}}
}

func weeklyTemplate() Form {
	return Form{Key: "weekly", Title: "工作周报", Category: CategoryWeekly, Workflow: "approval",
		Description: "每周五 12:00 前报送：本周进展、下周计划、遇到的问题。",
		Fields: []Field{
			{Key: "progress", Type: "textarea", Label: "本周工作进展", Required: true, MinLength: intp(20), MaxLength: intp(3000)},
			{Key: "plan", Type: "textarea", Label: "下周工作计划", Required: true, MinLength: intp(10), MaxLength: intp(2000)},
			{Key: "problems", Type: "textarea", Label: "存在的问题", MaxLength: intp(2000)},
		}}
}

// TemplateSamples are valid entries for each template (by key), used by tests
// and by the demo.
func TemplateSamples() map[string]map[string]any {
	return map[string]map[string]any{
		"shishi": {"category": "livelihood", "title": "为红旗村修复自来水管", "people_served": 126.0, "place": "红旗村三组",
			"location": map[string]any{"lat": 30.59, "lng": 114.30, "accuracy": 20.0}, "done_on": "2026-11-20",
			"description": "三组自来水主管冬季冻裂，六十余户停水。联系水务站当天抢修，更换管道 40 米并加装保温层。",
			"photos":      []any{"0123456789abcdef01234567"}},
		"problem": {"problem": "村务公开栏三个月未更新，群众反映看不到补助发放情况", "source": "public", "style": "lan", "owner": "王某",
			"measures": []any{map[string]any{"measure": "由村会计王某每月5日前在公开栏张贴上月补助发放明细并拍照上传", "deadline": "2026-12-05"}}},
		"weekly": {"progress": "本周走访低保户十二户，解决自来水、道路照明等实际问题三件，整改问题清单两项。",
			"plan": "下周完成河口镇两个村的入户走访。"},
	}
}
