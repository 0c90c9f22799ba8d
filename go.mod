module github.com/metalake/metalake

go 1.26
