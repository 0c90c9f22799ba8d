package lock

import (
	"os"
	"strconv"
	"strings"
)

// procIdentity is "<boot id>:<start time in clock ticks since boot>" of pid, which no other
// process on this machine shares; "" when unreadable.
func procIdentity(pid int) string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) is parenthesised and may hold spaces: count from its end.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	// After the name: state is field 3, starttime field 22, i.e. index 19 here.
	if len(f) < 20 {
		return ""
	}
	return strings.TrimSpace(string(boot)) + ":" + f[19]
}
