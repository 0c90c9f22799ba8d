package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/awstest"
	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/storage"
)

// TestTerraformAppliesAndMetalakeSetupAgrees runs the real Terraform (the binary on PATH, the
// hashicorp/aws provider from a local mirror: METALAKE_TF_PLUGINS, default /opt/tf-plugins)
// on deploy/terraform against moto: init, validate, apply, then a plan that must find no
// changes; then `metalake setup` on the same lake must find every resource already as it
// wants it. Terraform and setup declare the same bucket, Glue databases and workgroup.
//
// Neither Terraform nor its provider can be installed here (no access to HashiCorp's
// registry), so without them the test is skipped, also under CI.
func TestTerraformAppliesAndMetalakeSetupAgrees(t *testing.T) {
	t.Parallel()
	tf, err := exec.LookPath("terraform")
	plugins := os.Getenv("METALAKE_TF_PLUGINS")
	if plugins == "" {
		plugins = "/opt/tf-plugins"
	}
	if _, serr := os.Stat(filepath.Join(plugins, "registry.terraform.io", "hashicorp", "aws")); err != nil || serr != nil {
		t.Skip("no terraform on PATH or no hashicorp/aws provider mirror in " + plugins)
	}
	srv := awstest.Start(t, "us-west-1")
	dir := filepath.Join(t.TempDir(), "terraform")
	if err := os.CopyFS(dir, os.DirFS("../../deploy/terraform")); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	writeText(t, rc, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", plugins))
	// Every service the modules call goes to the emulator; nothing reaches AWS.
	writeText(t, filepath.Join(dir, "emulator_override.tf"), fmt.Sprintf(`provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    s3     = %[1]q
    glue   = %[1]q
    athena = %[1]q
    iam    = %[1]q
    sts    = %[1]q
  }
}
`, srv.Endpoint))
	terraform := func(args ...string) (string, error) {
		cmd := exec.Command(tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	vars := []string{"-input=false", "-no-color", "-var", "bucket_name=tf-lake", "-var", "region=us-west-1"}
	for _, step := range [][]string{
		{"init", "-backend=false", "-input=false", "-no-color"},
		{"validate", "-no-color"},
		append([]string{"apply", "-auto-approve"}, vars...),
	} {
		if out, err := terraform(step...); err != nil {
			t.Fatalf("terraform %s: %v\n%s", step[0], err, out)
		}
	}
	out, err := terraform(append([]string{"plan", "-detailed-exitcode"}, vars...)...)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		t.Errorf("a plan right after apply wants changes (the configuration does not converge):\n%s", out)
	} else if err != nil {
		t.Fatalf("terraform plan: %v\n%s", err, out)
	}

	ctx := context.Background()
	lake, err := storage.NewS3(ctx, "s3://tf-lake/meta", srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := storage.LoadAWSConfig(ctx, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	steps, err := deploy.Setup(ctx, lake, deploy.NewClients(cfg, srv.Endpoint))
	if err != nil {
		t.Fatal(err)
	}
	var differ []string
	for _, s := range steps {
		if s.Action != deploy.Unchanged {
			differ = append(differ, s.Action+" "+s.Resource+" ("+s.Detail+")")
		}
	}
	if len(differ) > 0 || len(steps) != 8 {
		t.Errorf("metalake setup after terraform apply changed %d of %d resources:\n%s", len(differ), len(steps), strings.Join(differ, "\n"))
	}
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
