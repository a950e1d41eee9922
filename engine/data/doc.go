// Package data holds labelled datasets in memory (Dataset) and the views and
// stand-ins the trainer needs (Subset, Split, Random). The readers that fill a
// Dataset live in sub-packages, as image/png does beside image: idx and mnist
// (the MNIST digits), wav and fsdd (the Free Spoken Digit Dataset and its
// audio features), md5sum (file checks), photo (photographs as grayscale
// images, for natural-image patches).
// It imports no other package of this module.
package data
