package models

import (
	"fmt"

	"github.com/predparams/predparams/engine/data"
)

// LoadData returns the training and test sets named by a config's Data
// field. dir overrides where the files are read from ("" is the default
// location of each data set).
func LoadData(name, dir string) (train, test *data.Dataset, err error) {
	switch name {
	case "", "mnist":
		return data.LoadMNIST(dir)
	}
	return nil, nil, fmt.Errorf("unknown data set %q (want mnist)", name)
}
