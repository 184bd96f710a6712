module github.com/ccaas/ccaas

go 1.26.8
