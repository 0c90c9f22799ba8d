package query

import (
	"strconv"
	"strings"
)

// colType is a result column's DuckDB type, parsed from the driver's type name (for example
// `STRUCT("d" DATE, "n" DECIMAL(10,2)[])`). The driver hands every DATE, TIME and TIMESTAMP
// over as a time.Time and every UUID as bytes, at any nesting depth; the type tells how to
// print them.
type colType struct {
	id       string     // INTEGER, DATE, DECIMAL, LIST, ARRAY, STRUCT, MAP, UNION, JSON, …
	scale    int        // DECIMAL
	elem     *colType   // LIST, ARRAY
	fields   []colField // STRUCT, UNION
	key, val *colType   // MAP
}

type colField struct {
	name string
	typ  *colType
}

// parseType parses a driver type name. It never fails: what it cannot parse becomes a type
// with that id and no detail, and values are then printed by their Go type alone.
func parseType(name string) *colType {
	p := typeParser{s: name}
	t, ok := p.parse()
	if !ok || p.i != len(p.s) {
		return &colType{id: name}
	}
	return t
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) parse() (*colType, bool) {
	id, j := word(p.s, p.i)
	if id == "" {
		return nil, false
	}
	p.i = j
	t := &colType{id: strings.ToUpper(id)}
	if p.peek('(') {
		p.i++
		var ok bool
		switch t.id {
		case "DECIMAL":
			ok = p.decimal(t)
		case "STRUCT", "UNION":
			t.fields, ok = p.fields()
		case "MAP":
			ok = p.mapTypes(t)
		default:
			ok = p.skipArgs()
		}
		if !ok {
			return nil, false
		}
	}
	for p.peek('[') {
		end := strings.IndexByte(p.s[p.i:], ']')
		if end < 0 {
			return nil, false
		}
		id := "LIST"
		if end > 1 {
			id = "ARRAY"
		}
		t = &colType{id: id, elem: t}
		p.i += end + 1
	}
	return t, true
}

func (p *typeParser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

func (p *typeParser) expect(lit string) bool {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return false
	}
	p.i += len(lit)
	return true
}

// decimal parses "w,s)".
func (p *typeParser) decimal(t *colType) bool {
	end := strings.IndexByte(p.s[p.i:], ')')
	if end < 0 {
		return false
	}
	_, scale, ok := strings.Cut(p.s[p.i:p.i+end], ",")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(scale))
	if err != nil {
		return false
	}
	t.scale = n
	p.i += end + 1
	return true
}

// fields parses `"name" TYPE, "name" TYPE)`; a name's quotes are doubled inside it.
func (p *typeParser) fields() ([]colField, bool) {
	var out []colField
	for {
		if !p.expect(`"`) {
			return nil, false
		}
		var name strings.Builder
		for {
			end := strings.IndexByte(p.s[p.i:], '"')
			if end < 0 {
				return nil, false
			}
			name.WriteString(p.s[p.i : p.i+end])
			p.i += end + 1
			if !p.peek('"') {
				break
			}
			name.WriteByte('"')
			p.i++
		}
		if !p.expect(" ") {
			return nil, false
		}
		t, ok := p.parse()
		if !ok {
			return nil, false
		}
		out = append(out, colField{name: name.String(), typ: t})
		if p.expect(")") {
			return out, true
		}
		if !p.expect(", ") {
			return nil, false
		}
	}
}

// mapTypes parses "KEY, VALUE)".
func (p *typeParser) mapTypes(t *colType) bool {
	var ok bool
	if t.key, ok = p.parse(); !ok || !p.expect(", ") {
		return false
	}
	if t.val, ok = p.parse(); !ok {
		return false
	}
	return p.expect(")")
}

// skipArgs skips the arguments of a type this package does not need to look into.
func (p *typeParser) skipArgs() bool {
	end := strings.IndexByte(p.s[p.i:], ')')
	if end < 0 {
		return false
	}
	p.i += end + 1
	return true
}

// numeric reports whether values of the type are numbers (right-aligned in a table).
func (t *colType) numeric() bool {
	switch t.id {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "BIGNUM":
		return true
	}
	return false
}

// field returns the type of a STRUCT field or UNION member, or nil when unknown.
func (t *colType) field(name string) *colType {
	if t == nil {
		return nil
	}
	for _, f := range t.fields {
		if f.name == name {
			return f.typ
		}
	}
	return nil
}
