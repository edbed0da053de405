package api

import (
	"fmt"
	"io"
	"strings"
)

// Who says in words who may call a route, for the API reference.
func (a Access) Who() string {
	switch {
	case a.Note != "":
		return a.Note
	case a.Public:
		return "anyone"
	case len(a.Roles) == 0 && a.DuringPasswordChange:
		return "signed in (also while a password change is pending)"
	case len(a.Roles) == 0:
		return "signed in"
	}
	names := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// WriteRouteTable prints every route of the API as a Markdown table: the route
// table is the one place routes are declared, so docs/api.md is checked
// against it (TestAPIReferenceListsEveryRoute) and `taizhang routes` prints it.
func WriteRouteTable(w io.Writer) error {
	s := &server{deps: Deps{Metrics: NewMetrics("")}}
	if _, err := fmt.Fprintln(w, "| method | path | who may call it |\n|---|---|---|"); err != nil {
		return err
	}
	for _, r := range s.Routes() {
		if _, err := fmt.Fprintf(w, "| %s | `%s` | %s |\n", r.Method, r.Path, r.Access.Who()); err != nil {
			return err
		}
	}
	return nil
}
