package engine

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// sortFiles orders part-{i}.parquet files by i numerically so part-10 follows part-9.
func sortFiles(files []ParquetFile) {
	num := func(p string) int {
		b := strings.TrimSuffix(filepath.Base(p), ".parquet")
		b = b[strings.LastIndexAny(b, "-_")+1:]
		n, err := strconv.Atoi(b)
		if err != nil {
			return -1
		}
		return n
	}
	sort.SliceStable(files, func(i, j int) bool {
		ni, nj := num(files[i].Path), num(files[j].Path)
		if ni != nj {
			return ni < nj
		}
		return files[i].Path < files[j].Path
	})
}
