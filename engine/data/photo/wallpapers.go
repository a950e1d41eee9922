package photo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// DirEnv names the environment variable that tools read for the wallpapers'
// folder. Library code never reads it: the folder is an argument.
const DirEnv = "WALLPAPERS_DIR"

// DebianDir is where Debian's plasma-workspace-wallpapers installs its
// wallpapers (`apt-get install plasma-workspace-wallpapers`).
const DebianDir = "/usr/share/wallpapers"

// A Wallpaper is one photograph of plasma-workspace-wallpapers: its folder
// under the wallpapers' folder, the file used, its author and licence as the
// folder's metadata.json gives them, and the file's SHA-256.
type Wallpaper struct {
	Name, File      string
	Author, License string
	SHA256          string
}

// Wallpapers returns the photographs of plasma-workspace-wallpapers
// (Debian 4:5.27.5-2), in a fixed order (by name), each at its largest size,
// 2560×1600. The package's other wallpapers are renders (low-poly, hexagons,
// gradients) or drawings, left out as not photographs: Altai, Autumn, Canopee,
// Cascade, Cluster, Elarun, Flow, FlyingKonqui, Honeywave, IceCold, Kay,
// Kokkini, MilkyWay, Opal, PastelHills, Patak, SafeLanding, Shell, Volna.
// Debian's copyright file puts the whole package under GPL-2+.
func Wallpapers() []Wallpaper {
	const file, lgpl = "contents/images/2560x1600.jpg", "LGPLv3"
	return []Wallpaper{
		{"BytheWater", file, "Maciej Wiklo", lgpl, "c272434ef39f2abf1ed48a15a8910088020f3165329a5092f3940ec9464bc05f"},
		{"ColdRipple", file, "Risto Saukonpää", lgpl, "05bef6722fc0ed81292cceb3ed026c38d17e510f3c84be7d68610c2b1a723c3f"},
		{"ColorfulCups", file, "Dmitri Popov", lgpl, "6e0f3a72feb5a4a9fec191b77e34874c3c69e2d93040deb3f07773e73385023d"},
		{"DarkestHour", file, "Risto Saukonpää", lgpl, "8e3703fae3a3c217b1fc2b399b706cd3720584268d071ba153e4809daa55f1ce"},
		{"EveningGlow", file, "Ian Hex", lgpl, "586682dcb362b9f620068f10138f87d0d3649939aef238adc5807cb951976a7a"},
		{"FallenLeaf", file, "Martin Klapetek", lgpl, "95603a6560c7e8d50e0e03b3f4adbe39c5258c72528e74e4ecaea1daf4e499de"},
		{"Grey", file, "Sigi Sagi", lgpl, "88c31d8944b7e6935d1b9a296654c692f0772cb512491713eb30a972a604c0ed"},
		{"Kite", file, "Risto Saukonpää", lgpl, "bdca288ce296a981e80659c021cf707caddc702c0c8d4247e60bd618476d47f8"},
		{"OneStandsOut", file, "Risto Saukonpää", lgpl, "cb507baf1dafdcae362264f3aba9483ed4be5f6c9fdd770f0ec0920c6d9e80fd"},
		{"Path", file, "Risto Saukonpää", lgpl, "7477457d7f17b736259f1b021864778ad4ba802cf3214e6728181ff29126bba8"},
		{"summer_1am", file, "Risto Saukonpää", lgpl, "c868b50789591dd42910153c768053f1ba0a98cb36bbfc2b7a96a1045d0477f8"},
	}
}

// Path returns the wallpaper's file under the wallpapers' folder dir.
func (w Wallpaper) Path(dir string) string {
	return filepath.Join(dir, w.Name, filepath.FromSlash(w.File))
}

// Present reports whether every file of ws is under dir (its sums are checked
// when they are loaded).
func Present(dir string, ws []Wallpaper) bool {
	if dir == "" {
		return false
	}
	for _, w := range ws {
		if st, err := os.Stat(w.Path(dir)); err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// ChecksumError reports a wallpaper file whose SHA-256 is not the expected one:
// another version of the package.
type ChecksumError struct {
	Path      string
	Got, Want string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("photo: %s: SHA-256 %s, want %s (another version of plasma-workspace-wallpapers?)", e.Path, e.Got, e.Want)
}

// Load reads the wallpapers ws from the folder dir, checks their SHA-256 and
// decodes them with Decode(…, factor), in the order of ws.
func Load(dir string, ws []Wallpaper, factor int) ([]*Image, error) {
	out := make([]*Image, 0, len(ws))
	for _, w := range ws {
		p := w.Path(dir)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("photo: %w", err)
		}
		if w.SHA256 != "" {
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != w.SHA256 {
				return nil, &ChecksumError{Path: p, Got: got, Want: w.SHA256}
			}
		}
		img, err := DecodeBytes(b, factor)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, img)
	}
	return out, nil
}
