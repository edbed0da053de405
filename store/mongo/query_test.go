package mongo

import (
	"regexp"
	"testing"
)

// The server narrows q by inTextValue before Go confirms each entry: it must
// find every text value holding q (or confirmation never sees it) and should
// pass over keys and numbers (or a district's every entry is read for nothing).
func TestInTextValue(t *testing.T) {
	data, err := canonicalJSON([]byte(`{"name":"张三","note":"红旗村 自来水 <急> & \"快\"","size":4,"subsidy":120.5,
		"members":[{"name":"李四","age":61}],"tags":["低保","五保"],"done":true,"empty":""}`))
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]bool{
		"张三": true, "自来水": true, "<急> & \"快\"": true, "李四": true, "五保": true, "低保": true, "红旗村 自来水": true,
		"name": false, "subsidy": false, "120.5": false, "61": false, "4": false, "true": false, "不存在": false, "members": false,
	} {
		if got := regexp.MustCompile(inTextValue(q)).MatchString(data); got != want {
			t.Errorf("q %q in %s: matched %v", q, data, got)
		}
	}
}
