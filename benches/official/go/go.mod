// The benchmark's module: Adyen's Go library's module path, so that the library's files in src/
// (copied unmodified, see SOURCE) import each other as they do in the library, and no
// requirements, so that it builds with no network.
module github.com/adyen/adyen-go-api-library/v21

go 1.19
