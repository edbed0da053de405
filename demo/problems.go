package demo

import (
	"context"
	"fmt"
	"time"

	"taizhang/entries"
	"taizhang/forms"
)

// problemCase is one problem item of the history and how far it got.
type problemCase struct {
	unit     string // the filing unit's name
	problem  string
	source   string
	style    string
	owner    string
	measures []string
	weeksAgo int
	fate     string // waiting, returned, rejected, accepted, overdue, rectified, closed
}

// problemCases put an item in every state of the rectification workflow;
// "overdue" ones have a measure past its deadline and not done.
var problemCases = []problemCase{
	{"红旗村", "村务公开栏三个月未更新，群众反映看不到低保和补助发放情况。", "public", "lan", "王德明",
		[]string{"由村会计每月5日前在公开栏张贴上月补助发放明细并拍照上传", "村监委会每月核对一次公开内容，发现遗漏当周补齐"}, 7, "closed"},
	{"幸福社区", "社区服务大厅午休时间无人值守，居民多次反映办事跑空。", "public", "san", "李春兰",
		[]string{"服务大厅实行午间轮班，每天安排两名工作人员值守并在门口公示值班表"}, 6, "closed"},
	{"城关镇", "镇便民服务中心部分窗口存在“门难进、脸难看、事难办”现象，群众评价满意度低。", "inspection", "yong", "张卫国",
		[]string{"每个窗口设置评价器，每月通报满意度排名后三位的窗口", "对窗口人员开展一次服务礼仪和业务培训，考试不合格的调离窗口"}, 6, "rectified"},
	{"河口镇", "河道清淤项目拖延半年未开工，汛期前存在安全隐患。", "self", "tuo", "赵长江",
		[]string{"十日内完成清淤项目招标并签订施工合同", "施工期间每周向镇党委报告一次进度并拍照留存"}, 5, "overdue"},
	{"柳树村", "村集体经济合同管理混乱，三份土地承包合同到期未续签。", "inspection", "san", "孙立平",
		[]string{"逐份清理村集体合同，到期合同一个月内完成续签或收回", "建立合同台账，由村会计每季度核对一次"}, 5, "overdue"},
	{"市交通运输局", "农村公路养护资金拨付慢，两个乡镇反映养护工程款拖欠。", "benchmarks", "tuo", "周建设",
		[]string{"十五日内完成拖欠养护工程款的核对和拨付", "建立养护资金拨付月报制度，每月10日前报局党组"}, 4, "overdue"},
	{"市税务局", "办税服务厅排队时间长，高峰期群众等候超过一小时。", "public", "yong", "吴明华",
		[]string{"高峰期增开两个综合窗口，并在公众号发布实时排队人数", "推广网上办税，安排专人在大厅指导群众使用"}, 4, "rectified"},
	{"东城区", "部分干部下基层走过场，调研报告照抄往年内容。", "benchmarks", "fu", "钱志远",
		[]string{"区委办对本年度调研报告逐篇复核，发现照抄的退回重写并通报"}, 3, "accepted"},
	{"西山乡", "乡卫生院夜间值班医生经常脱岗，群众夜间就医困难。", "public", "lan", "冯秋菊",
		[]string{"卫生院夜间值班实行签到和视频巡查，乡纪委每周抽查两次", "在卫生院门口公示夜间值班医生姓名和电话"}, 3, "overdue"},
	{"石桥村", "危房改造补助公示不及时，有群众质疑评定不公。", "public", "san", "何玉山",
		[]string{"重新召开村民代表会议评定危房改造对象，结果公示七天并拍照上传"}, 2, "accepted"},
	{"市国资委", "国有企业招聘信息发布不规范，存在“萝卜招聘”的群众反映。", "inspection", "fu", "陈国强",
		[]string{"所属企业招聘信息统一在委网站发布，招聘结果公示不少于五个工作日"}, 2, "returned"},
	{"市工商局", "企业年报公示系统操作复杂，小微企业反映填报困难。", "self", "yong", "郑小红",
		[]string{"编写图解版填报指南并在各分局大厅发放"}, 2, "rejected"},
	{"城关镇", "镇环卫所对垃圾清运投诉回应慢，平均三天才处理。", "public", "tuo", "王建华",
		[]string{"开通垃圾清运投诉专线，接到投诉二十四小时内处理并回访"}, 1, "waiting"},
	{"幸福社区", "社区老年食堂菜价上涨未公示，老人反映不清楚收费标准。", "public", "fu", "刘桂香",
		[]string{"在食堂门口和社区微信群公示菜品价格，调价前提前一周公告"}, 0, "waiting"},
}

// problems files the problem items and takes each as far as its fate.
func (w *world) problems() {
	def := w.forms["problem"]
	for i, pc := range problemCases {
		c, ok := w.cadreOf(pc.unit)
		if !ok {
			continue
		}
		filed := w.Now.AddDate(0, 0, -7*pc.weeksAgo-3).Add(-hours(w.rng.IntN(48)))
		if pc.weeksAgo == 0 {
			filed = w.Now.Add(-hours(5 + w.rng.IntN(20)))
		}
		var measures []any
		for j, m := range pc.measures {
			deadline := filed.AddDate(0, 0, 12+7*j)
			switch {
			case pc.fate == "overdue" && j == len(pc.measures)-1:
				deadline = filed.AddDate(0, 0, 7+w.rng.IntN(5))
			case pc.fate == "accepted":
				deadline = w.Now.AddDate(0, 0, 10+7*j)
			}
			measures = append(measures, map[string]any{"measure": m, "deadline": deadline.In(forms.Beijing).Format(time.DateOnly)})
		}
		data := map[string]any{"problem": pc.problem, "source": pc.source, "style": pc.style, "owner": pc.owner, "measures": measures}
		clientID := fmt.Sprintf("demo-problem-%04d", i)
		w.at(filed, func(ctx context.Context) error {
			e, _, err := w.Entries.File(ctx, c.scope(), def.ID, entries.FileRequest{ClientID: clientID, Data: data, Submit: true, ClientCreatedAt: filed})
			if err != nil {
				return fmt.Errorf("%s files a problem: %w", c.user.Name, err)
			}
			w.rectify(c, e.ID, pc, filed)
			return nil
		})
	}
}

// rectify plans the steps of one problem item after filing.
func (w *world) rectify(c person, id string, pc problemCase, filed time.Time) {
	reviewer, ok := w.reviewer(c.unit)
	if !ok || pc.fate == "waiting" {
		return
	}
	t := filed.Add(hours(20 + w.rng.IntN(30)))
	switch pc.fate {
	case "returned":
		w.at(t, w.act(reviewer, id, "return", "整改措施不够具体，请写明由谁在什么时间前完成哪些工作。", nil))
		return
	case "rejected":
		w.at(t, w.act(reviewer, id, "reject", "经核实，该问题已在上轮专项整治中整改销号，不再重复立项。", nil))
		return
	}
	w.at(t, w.act(reviewer, id, "accept", "", nil))
	done := len(pc.measures)
	switch pc.fate {
	case "accepted":
		return
	case "overdue":
		done--
	}
	for j := range done {
		t = t.Add(hours(48 + w.rng.IntN(72)))
		w.at(t, w.act(c, id, "measure", "", map[string]any{"measure": j, "evidence": evidence[w.rng.IntN(len(evidence))]}))
	}
	if pc.fate == "overdue" {
		return
	}
	t = t.Add(hours(6))
	w.at(t, w.act(c, id, "rectify", "", map[string]any{"evidence": "各项整改措施均已完成，群众反映的问题已解决，相关材料已归档。"}))
	if pc.fate == "closed" {
		w.at(t.Add(hours(30)), w.act(reviewer, id, "close", "经现场核查，整改到位，同意销号。", nil))
	}
}

func (w *world) cadreOf(unitName string) (person, bool) {
	for _, c := range w.cadres {
		if c.unit.Name == unitName {
			return c, true
		}
	}
	return person{}, false
}
