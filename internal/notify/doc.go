// Package notify sends the end-of-run notification with the pipeline summary: always to the
// log, and, as Config.On decides, to a Slack-compatible webhook and by email over SMTP.
//
// Secrets never live in the configuration: a secret webhook URL and the SMTP password are read
// from environment variables named in it, and neither they nor a URL read from the environment
// appear in logs or errors.
package notify
