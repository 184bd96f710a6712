package cti

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestProtocolDocNamesEveryConstant keeps the package and its document in
// step: every message type has an example in docs/cti-protocol.md, every
// command a row in a command table, and every error code and bye reason is
// named there.
func TestProtocolDocNamesEveryConstant(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "cti-protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	consts := stringConstants(t)
	for _, kind := range []struct {
		prefix, where string
		pattern       func(value string) string // a regexp of where the (quoted) value must stand
	}{
		{"Msg", "an example", func(v string) string { return `"type":"` + v + `"` }},
		{"Cmd", "a command table's first column", func(v string) string { return "(?m)^\\| [^|\\n]*`" + v + "`[^|\\n]*\\|" }},
		{"Code", "the text", func(v string) string { return "`" + v + "`" }},
		{"Bye", "the text", func(v string) string { return "`" + v + "`" }},
	} {
		n := 0
		for name, value := range consts {
			if !strings.HasPrefix(name, kind.prefix) {
				continue
			}
			n++
			if !regexp.MustCompile(kind.pattern(regexp.QuoteMeta(value))).Match(doc) {
				t.Errorf("%s = %q is not in %s of docs/cti-protocol.md", name, value, kind.where)
			}
		}
		if n == 0 {
			t.Errorf("no %s constants found: the test reads the wrong files", kind.prefix)
		}
	}
}

// stringConstants reads the package's exported string constants from its
// source: name → value.
func stringConstants(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i >= len(vs.Values) || !id.IsExported() {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[id.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return out
}
