package deploy_test

import (
	"bytes"
	"io/fs"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/metalake/metalake/internal/deploy"
)

// The Terraform of deploy/terraform must declare what `metalake setup` creates (plan.go). These
// tests read the .tf files with HCL's own parser; they need neither terraform nor AWS.

// terraformDir is the root module, relative to this package.
const terraformDir = "../../deploy/terraform"

// The values the tests give the modules' variables when they render a template such as
// "s3://${var.bucket_name}/${var.lake_prefix}/athena-results/".
const (
	testBucket = "BUCKET"
	testPrefix = "meta"
)

// terraformModules are the modules the root module must call, by name and directory name.
var terraformModules = []string{"s3", "iam", "glue", "redshift"}

// tfModule is one module directory: its *.tf files, parsed.
type tfModule struct {
	dir    string
	names  []string                   // file base names, sorted
	bodies map[string]*hclsyntax.Body // by file base name
	src    map[string][]byte          // by file base name
}

// loadTerraform parses every *.tf file under terraformDir, failing the test on any diagnostic,
// and returns the modules by directory relative to terraformDir ("." is the root module).
func loadTerraform(t *testing.T) map[string]*tfModule {
	t.Helper()
	parser := hclparse.NewParser()
	mods := map[string]*tfModule{}
	err := filepath.WalkDir(terraformDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != terraformDir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .terraform/ holds downloaded providers and modules
		}
		if d.IsDir() || filepath.Ext(path) != ".tf" {
			return nil
		}
		f, diags := parser.ParseHCLFile(path)
		if len(diags) > 0 {
			t.Errorf("%s: %s", path, diags.Error())
			return nil
		}
		dir, err := filepath.Rel(terraformDir, filepath.Dir(path))
		if err != nil {
			return err
		}
		dir = filepath.ToSlash(dir)
		m := mods[dir]
		if m == nil {
			m = &tfModule{dir: dir, bodies: map[string]*hclsyntax.Body{}, src: map[string][]byte{}}
			mods[dir] = m
		}
		m.names = append(m.names, d.Name())
		m.bodies[d.Name()] = f.Body.(*hclsyntax.Body)
		m.src[d.Name()] = f.Bytes
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", terraformDir, err)
	}
	if t.Failed() {
		t.FailNow()
	}
	if mods["."] == nil {
		t.Fatalf("%s: no root module (*.tf files)", terraformDir)
	}
	for _, m := range mods {
		sort.Strings(m.names)
	}
	return mods
}

// blocks returns the module's top-level blocks of type typ whose labels start with labels.
func (m *tfModule) blocks(typ string, labels ...string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, name := range m.names {
		for _, b := range m.bodies[name].Blocks {
			if b.Type == typ && len(b.Labels) >= len(labels) && slices.Equal(b.Labels[:len(labels)], labels) {
				out = append(out, b)
			}
		}
	}
	return out
}

// block returns the module's only top-level block of type typ whose labels start with labels.
func (m *tfModule) block(t *testing.T, typ string, labels ...string) *hclsyntax.Block {
	t.Helper()
	bs := m.blocks(typ, labels...)
	if len(bs) != 1 {
		t.Fatalf("%s: want one %s %q block, have %d", m.dir, typ, labels, len(bs))
	}
	return bs[0]
}

// local returns the expression of the module's local value name.
func (m *tfModule) local(t *testing.T, name string) hcl.Expression {
	t.Helper()
	for _, b := range m.blocks("locals") {
		if a, ok := b.Body.Attributes[name]; ok {
			return a.Expr
		}
	}
	t.Fatalf("%s: no local value %q", m.dir, name)
	return nil
}

// variables returns the variable blocks of the module's variables.tf by name.
func (m *tfModule) variables(t *testing.T) map[string]*hclsyntax.Block {
	t.Helper()
	body, ok := m.bodies["variables.tf"]
	if !ok {
		t.Fatalf("%s: no variables.tf", m.dir)
	}
	vars := map[string]*hclsyntax.Block{}
	for _, b := range body.Blocks {
		if b.Type == "variable" && len(b.Labels) == 1 {
			vars[b.Labels[0]] = b
		}
	}
	return vars
}

// tfChildren returns the blocks of type typ directly inside body.
func tfChildren(body *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// tfChild returns the only block of type typ directly inside body.
func tfChild(t *testing.T, body *hclsyntax.Body, typ string) *hclsyntax.Body {
	t.Helper()
	bs := tfChildren(body, typ)
	if len(bs) != 1 {
		t.Fatalf("%s: want one %q block, have %d", body.SrcRange, typ, len(bs))
	}
	return bs[0].Body
}

// tfAttr returns the expression of attribute name of body.
func tfAttr(t *testing.T, body *hclsyntax.Body, name string) hcl.Expression {
	t.Helper()
	a, ok := body.Attributes[name]
	if !ok {
		t.Fatalf("%s: no attribute %q", body.SrcRange, name)
	}
	return a.Expr
}

// tfEval evaluates expr in ctx (nil: expr must be a literal).
func tfEval(t *testing.T, expr hcl.Expression, ctx *hcl.EvalContext) cty.Value {
	t.Helper()
	v, diags := expr.Value(ctx)
	if len(diags) > 0 {
		t.Fatalf("%s: %s", expr.Range(), diags.Error())
	}
	if !v.IsWhollyKnown() || v.IsNull() {
		t.Fatalf("%s: want a known, non-null value", expr.Range())
	}
	return v
}

// tfEvalString evaluates expr in ctx to a string.
func tfEvalString(t *testing.T, expr hcl.Expression, ctx *hcl.EvalContext) string {
	t.Helper()
	v := tfEval(t, expr, ctx)
	if v.Type() != cty.String {
		t.Fatalf("%s: want a string, have %s", expr.Range(), v.Type().FriendlyName())
	}
	return v.AsString()
}

// tfLiteralString is the value of a string literal.
func tfLiteralString(t *testing.T, body *hclsyntax.Body, name string) string {
	t.Helper()
	return tfEvalString(t, tfAttr(t, body, name), nil)
}

// tfLiteralInt is the value of a whole-number literal.
func tfLiteralInt(t *testing.T, body *hclsyntax.Body, name string) int {
	t.Helper()
	expr := tfAttr(t, body, name)
	v := tfEval(t, expr, nil)
	if v.Type() != cty.Number {
		t.Fatalf("%s: want a number, have %s", expr.Range(), v.Type().FriendlyName())
	}
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		t.Fatalf("%s: want a whole number", expr.Range())
	}
	return int(n)
}

// tfLiteralBool is the value of a boolean literal.
func tfLiteralBool(t *testing.T, body *hclsyntax.Body, name string) bool {
	t.Helper()
	expr := tfAttr(t, body, name)
	v := tfEval(t, expr, nil)
	if v.Type() != cty.Bool {
		t.Fatalf("%s: want a bool, have %s", expr.Range(), v.Type().FriendlyName())
	}
	return v.True()
}

// tfObjectString is the string attribute name of the object v.
func tfObjectString(t *testing.T, v cty.Value, name string) string {
	t.Helper()
	if !v.Type().IsObjectType() || !v.Type().HasAttribute(name) || v.GetAttr(name).Type() != cty.String {
		t.Fatalf("want an object with a string %q, have %s", name, v.Type().FriendlyName())
	}
	return v.GetAttr(name).AsString()
}

// tfTraversal is the dotted name an expression such as local.databases refers to.
func tfTraversal(t *testing.T, expr hcl.Expression) string {
	t.Helper()
	tr, diags := hcl.AbsTraversalForExpr(expr)
	if len(diags) > 0 {
		t.Fatalf("%s: want a reference such as local.name: %s", expr.Range(), diags.Error())
	}
	parts := []string{tr.RootName()}
	for _, step := range tr[1:] {
		if a, ok := step.(hcl.TraverseAttr); ok {
			parts = append(parts, a.Name)
		}
	}
	return strings.Join(parts, ".")
}

// tfLakeContext is the evaluation context of a module's templates: var.bucket_name and
// var.lake_prefix, plus each.key/each.value inside a for_each resource when each is not nil.
func tfLakeContext(each map[string]cty.Value) *hcl.EvalContext {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{
			"bucket_name": cty.StringVal(testBucket),
			"lake_prefix": cty.StringVal(testPrefix),
		}),
	}}
	if each != nil {
		ctx.Variables["each"] = cty.ObjectVal(each)
	}
	return ctx
}

func TestTerraformRootCallsModules(t *testing.T) {
	mods := loadTerraform(t)
	root := mods["."]
	var called []string
	for _, b := range root.blocks("module") {
		called = append(called, b.Labels[0])
	}
	if want := slices.Sorted(slices.Values(terraformModules)); !slices.Equal(slices.Sorted(slices.Values(called)), want) {
		t.Errorf("root module calls %q, want %q", called, want)
	}
	for _, name := range terraformModules {
		b := root.block(t, "module", name)
		src := tfLiteralString(t, b.Body, "source")
		dir := filepath.Join(terraformDir, src)
		for _, f := range []string{"main.tf", "variables.tf", "outputs.tf"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("module %q: source %q: %v", name, src, err)
			}
		}
	}
}

// moduleMetaArguments are the arguments of a module block that are not module variables.
var moduleMetaArguments = []string{"source", "version", "count", "for_each", "providers", "depends_on"}

func TestTerraformModuleArgumentsMatchVariables(t *testing.T) {
	mods := loadTerraform(t)
	for _, b := range mods["."].blocks("module") {
		name := b.Labels[0]
		src := tfLiteralString(t, b.Body, "source")
		dir, err := filepath.Rel(terraformDir, filepath.Join(terraformDir, src))
		if err != nil || mods[filepath.ToSlash(dir)] == nil {
			t.Errorf("module %q: source %q is not a module under %s", name, src, terraformDir)
			continue
		}
		declared := mods[filepath.ToSlash(dir)].variables(t)
		for arg := range b.Body.Attributes {
			if _, ok := declared[arg]; !ok && !slices.Contains(moduleMetaArguments, arg) {
				t.Errorf("module %q passes %q, which %s/variables.tf does not declare", name, arg, src)
			}
		}
		for v, decl := range declared {
			_, hasDefault := decl.Body.Attributes["default"]
			if _, passed := b.Body.Attributes[v]; !hasDefault && !passed {
				t.Errorf("module %q does not pass %q, which %s/variables.tf requires (no default)", name, v, src)
			}
		}
	}
}

func TestTerraformGlueMatchesPlan(t *testing.T) {
	glue := loadTerraform(t)["modules/glue"]
	if glue == nil {
		t.Fatal("no modules/glue")
	}

	// The databases are data (local.databases, by layer) that one resource iterates.
	var got []deploy.Database
	byLayer := tfEval(t, glue.local(t, "databases"), nil)
	if !byLayer.CanIterateElements() {
		t.Fatalf("local.databases: want a map by layer, have %s", byLayer.Type().FriendlyName())
	}
	for layer, db := range byLayer.AsValueMap() {
		got = append(got, deploy.Database{Name: tfObjectString(t, db, "name"), Layer: layer, Description: tfObjectString(t, db, "description")})
	}
	byName := func(a, b deploy.Database) int { return strings.Compare(a.Name, b.Name) }
	want := slices.SortedFunc(slices.Values(deploy.Databases), byName)
	if slices.SortFunc(got, byName); !slices.Equal(got, want) {
		t.Errorf("glue databases:\n have %+v\n want %+v (deploy.Databases)", got, want)
	}

	res := glue.block(t, "resource", "aws_glue_catalog_database")
	if ref := tfTraversal(t, tfAttr(t, res.Body, "for_each")); ref != "local.databases" {
		t.Errorf("aws_glue_catalog_database iterates %s, want local.databases", ref)
	}
	for _, db := range deploy.Databases {
		ctx := tfLakeContext(map[string]cty.Value{
			"key":   cty.StringVal(db.Layer),
			"value": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(db.Name), "description": cty.StringVal(db.Description)}),
		})
		for attrName, want := range map[string]string{
			"name":         db.Name,
			"description":  db.Description,
			"location_uri": "s3://" + testBucket + "/" + testPrefix + "/" + db.Layer + "/",
		} {
			if got := tfEvalString(t, tfAttr(t, res.Body, attrName), ctx); got != want {
				t.Errorf("database %s: %s = %q, want %q", db.Name, attrName, got, want)
			}
		}
	}

	wg := glue.block(t, "resource", "aws_athena_workgroup")
	if got := tfLiteralString(t, wg.Body, "name"); got != deploy.Workgroup {
		t.Errorf("athena workgroup %q, want %q", got, deploy.Workgroup)
	}
	conf := tfChild(t, wg.Body, "configuration")
	if !tfLiteralBool(t, conf, "enforce_workgroup_configuration") {
		t.Error("athena workgroup: enforce_workgroup_configuration must be true")
	}
	results := tfChild(t, conf, "result_configuration")
	loc := tfEvalString(t, tfAttr(t, results, "output_location"), tfLakeContext(nil))
	if want := "s3://" + testBucket + "/" + testPrefix + "/" + deploy.ResultsDir; loc != want || !strings.HasSuffix(loc, "/"+deploy.ResultsDir) {
		t.Errorf("athena results location %q, want %q", loc, want)
	}
	if got := tfLiteralString(t, tfChild(t, results, "encryption_configuration"), "encryption_option"); got != "SSE_S3" {
		t.Errorf("athena results encryption %q, want SSE_S3", got)
	}
}

// lifecycleRule is what one S3 lifecycle rule does, read from its block.
type lifecycleRule struct {
	Status, Prefix string
	Transitions    map[int]string // days → storage class
	AbortDays      int            // abort_incomplete_multipart_upload
	NoncurrentDays int            // noncurrent_version_expiration
	Other          []string       // any other action block
}

// readLifecycleRule reads a rule block of aws_s3_bucket_lifecycle_configuration.
func readLifecycleRule(t *testing.T, body *hclsyntax.Body) lifecycleRule {
	t.Helper()
	r := lifecycleRule{Status: tfLiteralString(t, body, "status")}
	for _, b := range body.Blocks {
		switch b.Type {
		case "filter":
			r.Prefix = tfEvalString(t, tfAttr(t, b.Body, "prefix"), tfLakeContext(nil))
		case "transition":
			if r.Transitions == nil {
				r.Transitions = map[int]string{}
			}
			r.Transitions[tfLiteralInt(t, b.Body, "days")] = tfLiteralString(t, b.Body, "storage_class")
		case "abort_incomplete_multipart_upload":
			r.AbortDays = tfLiteralInt(t, b.Body, "days_after_initiation")
		case "noncurrent_version_expiration":
			r.NoncurrentDays = tfLiteralInt(t, b.Body, "noncurrent_days")
		default:
			r.Other = append(r.Other, b.Type)
		}
	}
	return r
}

func TestTerraformS3MatchesPlan(t *testing.T) {
	s3 := loadTerraform(t)["modules/s3"]
	if s3 == nil {
		t.Fatal("no modules/s3")
	}

	versioning := s3.block(t, "resource", "aws_s3_bucket_versioning")
	if got := tfLiteralString(t, tfChild(t, versioning.Body, "versioning_configuration"), "status"); got != "Enabled" {
		t.Errorf("bucket versioning %q, want Enabled", got)
	}

	sse := s3.block(t, "resource", "aws_s3_bucket_server_side_encryption_configuration")
	byDefault := tfChild(t, tfChild(t, sse.Body, "rule"), "apply_server_side_encryption_by_default")
	if got := tfLiteralString(t, byDefault, "sse_algorithm"); got != deploy.Encryption {
		t.Errorf("bucket encryption %q, want %q (deploy.Encryption)", got, deploy.Encryption)
	}

	public := s3.block(t, "resource", "aws_s3_bucket_public_access_block")
	for _, name := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
		if !tfLiteralBool(t, public.Body, name) {
			t.Errorf("public access block: %s must be true", name)
		}
	}

	lifecycle := s3.block(t, "resource", "aws_s3_bucket_lifecycle_configuration")
	got := map[string]lifecycleRule{}
	for _, b := range tfChildren(lifecycle.Body, "rule") {
		id := tfLiteralString(t, b.Body, "id")
		if _, dup := got[id]; dup {
			t.Errorf("lifecycle rule %q appears twice", id)
		}
		got[id] = readLifecycleRule(t, b.Body)
	}
	want := map[string]lifecycleRule{
		deploy.RawTieringRule: {Status: "Enabled", Prefix: testPrefix + "/raw/", Transitions: map[int]string{
			deploy.RawToInfrequentAccessDays: "STANDARD_IA",
			deploy.RawToGlacierDays:          "GLACIER",
		}},
		deploy.AbortUploadsRule: {Status: "Enabled", Prefix: testPrefix + "/", AbortDays: deploy.AbortIncompleteUploadDays},
		deploy.NoncurrentRule:   {Status: "Enabled", Prefix: testPrefix + "/", NoncurrentDays: deploy.NoncurrentVersionDays},
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[id]; !ok {
			t.Errorf("no lifecycle rule %q", id)
		} else if !reflect.DeepEqual(g, want[id]) {
			t.Errorf("lifecycle rule %q:\n have %+v\n want %+v", id, g, want[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[id]; !ok {
			t.Errorf("lifecycle rule %q is none of plan.go's rules", id)
		}
	}
}

func TestTerraformCreatesNoFolderObjects(t *testing.T) {
	for dir, m := range loadTerraform(t) {
		for _, typ := range []string{"aws_s3_object", "aws_s3_bucket_object"} {
			if n := len(m.blocks("resource", typ)); n > 0 {
				t.Errorf("%s: %d %s resource(s): S3 has no folders; metalake needs no placeholder keys", dir, n, typ)
			}
		}
	}
}

func TestTerraformIAMNamesEveryAction(t *testing.T) {
	iam := loadTerraform(t)["modules/iam"]
	if iam == nil {
		t.Fatal("no modules/iam")
	}
	checked := 0
	for _, name := range iam.names {
		hclsyntax.VisitAll(iam.bodies[name], func(n hclsyntax.Node) hcl.Diagnostics {
			switch n := n.(type) {
			case *hclsyntax.Attribute:
				// aws_iam_policy_document: statement { actions = [...] resources = [...] }
				switch n.Name {
				case "actions":
					checked += checkIAMActions(t, n.Expr)
				case "not_actions":
					t.Errorf("%s: not_actions grants every action but those listed", n.SrcRange)
				case "resources":
					checkIAMResources(t, n.Expr)
				}
			case *hclsyntax.ObjectConsExpr:
				// A jsonencode({Statement = [{Action = ...}]}) policy.
				for _, item := range n.Items {
					switch tfObjectKey(item) {
					case "Action":
						checked += checkIAMActions(t, item.ValueExpr)
					case "NotAction":
						t.Errorf("%s: NotAction grants every action but those listed", item.KeyExpr.Range())
					case "Resource":
						checkIAMResources(t, item.ValueExpr)
					}
				}
			}
			return nil
		})
	}
	if checked == 0 {
		t.Error("no IAM policy actions found in modules/iam")
	}
}

// tfObjectKey is the name of an object item's key ({Action = …} or {"Action" = …}), "" when it
// is computed.
func tfObjectKey(item hclsyntax.ObjectConsItem) string {
	v, diags := item.KeyExpr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// checkIAMActions fails the test for an action list that is not literal or holds a wildcard
// ("*", "s3:*", "glue:Get*"), and returns how many actions it checked.
func checkIAMActions(t *testing.T, expr hclsyntax.Expression) int {
	t.Helper()
	v, diags := expr.Value(nil)
	if len(diags) > 0 || !v.IsWhollyKnown() {
		t.Errorf("%s: IAM actions must be literal strings, so that they can be checked", expr.Range())
		return 0
	}
	actions := []cty.Value{v}
	if v.CanIterateElements() {
		actions = v.AsValueSlice()
	}
	for _, a := range actions {
		if a.Type() != cty.String {
			t.Errorf("%s: IAM action %s is not a string", expr.Range(), a.GoString())
			continue
		}
		if s := a.AsString(); strings.Contains(s, "*") {
			t.Errorf("%s: IAM action %q is a wildcard: name each action", expr.Range(), s)
		}
	}
	return len(actions)
}

// checkIAMResources fails the test for a literal "*" among the resources in expr (references and
// templates such as "${local.bucket_arn}/meta/*" are fine).
func checkIAMResources(t *testing.T, expr hclsyntax.Expression) {
	t.Helper()
	elems := []hclsyntax.Expression{expr}
	if tuple, ok := expr.(*hclsyntax.TupleConsExpr); ok {
		elems = tuple.Exprs
	}
	for _, e := range elems {
		if v, diags := e.Value(nil); len(diags) == 0 && v.Type() == cty.String && v.IsKnown() && v.AsString() == "*" {
			t.Errorf("%s: IAM resource \"*\": name the ARNs", e.Range())
		}
	}
}

func TestTerraformFormatted(t *testing.T) {
	// hclwrite.Format is the layout `terraform fmt` writes.
	for dir, m := range loadTerraform(t) {
		for _, name := range m.names {
			if src := m.src[name]; !bytes.Equal(hclwrite.Format(src), src) {
				t.Errorf("%s/%s is not formatted as terraform fmt would", dir, name)
			}
		}
	}
}
