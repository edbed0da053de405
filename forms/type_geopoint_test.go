package forms

import "testing"

func TestGeopointType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"geopoint","label":"A"}`, []typeCase{
		{value: `{"lat":30.59,"lng":114.30,"accuracy":15}`}, {value: `{"lat":-90,"lng":180}`},
		{value: `{"lat":91,"lng":0}`, wantCode: "out_of_range"}, {value: `{"lat":0,"lng":0,"accuracy":-1}`, wantCode: "out_of_range"},
		{value: `{"lat":"30","lng":114}`, wantCode: "type"}, {value: `{"lat":1,"lng":2,"alt":3}`, wantCode: "type"},
		{value: `[30,114]`, wantCode: "type"},
	})
}
