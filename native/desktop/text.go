package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"strconv"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// fonts are the faces of the window: the Go fonts, which cover the Greek
// letters, arrows and math signs the labels use.
type fonts struct {
	body, small, bold, title *text.GoTextFace
	cell, cellBold           *text.GoTextFace // the parameter table
}

func loadFonts() (*fonts, error) {
	reg, err := text.NewGoTextFaceSource(bytes.NewReader(goregular.TTF))
	if err != nil {
		return nil, fmt.Errorf("font: %v", err)
	}
	bold, err := text.NewGoTextFaceSource(bytes.NewReader(gobold.TTF))
	if err != nil {
		return nil, fmt.Errorf("font: %v", err)
	}
	return &fonts{
		body:     &text.GoTextFace{Source: reg, Size: 13},
		small:    &text.GoTextFace{Source: reg, Size: 11},
		bold:     &text.GoTextFace{Source: bold, Size: 13},
		title:    &text.GoTextFace{Source: bold, Size: 15},
		cell:     &text.GoTextFace{Source: reg, Size: 12},
		cellBold: &text.GoTextFace{Source: bold, Size: 12},
	}, nil
}

// Colours of the window.
func backgroundColour() color.RGBA { return rgb(236, 239, 243) }
func cardColour() color.RGBA       { return rgb(255, 255, 255) }
func borderColour() color.RGBA     { return rgb(207, 212, 219) }
func inkColour() color.RGBA        { return rgb(33, 37, 41) }
func mutedColour() color.RGBA      { return rgb(105, 112, 122) }
func gridColour() color.RGBA       { return rgb(232, 235, 239) }
func lossColour() color.RGBA       { return rgb(31, 119, 180) }
func errorColour() color.RGBA      { return rgb(230, 110, 0) }
func accentColour() color.RGBA     { return rgb(230, 110, 0) }
func selectColour() color.RGBA     { return rgb(222, 235, 250) }

// textAt draws s with its anchor at (x, y): h and v say which edge or
// centre of the text the anchor is (text.AlignStart is left or top).
func textAt(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color, h, v text.Align) {
	op := &text.DrawOptions{}
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	op.LayoutOptions.PrimaryAlign = h
	op.LayoutOptions.SecondaryAlign = v
	text.Draw(dst, s, face, op)
}

// textLeft draws s with its top-left corner at (x, y).
func textLeft(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color) {
	textAt(dst, s, face, x, y, c, text.AlignStart, text.AlignStart)
}

// textRotated draws s turned a quarter anticlockwise, centred on (x, y):
// a vertical axis title.
func textRotated(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color) {
	op := &text.DrawOptions{}
	op.LayoutOptions.PrimaryAlign = text.AlignCenter
	op.LayoutOptions.SecondaryAlign = text.AlignCenter
	op.GeoM.Rotate(-3.141592653589793 / 2)
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	op.Filter = ebiten.FilterLinear
	text.Draw(dst, s, face, op)
}

// card draws a panel: a white box with a border, a bold title and a
// muted subtitle below it.
func (a *app) card(dst *ebiten.Image, r image.Rectangle, title, subtitle string) {
	fillRect(dst, r, cardColour())
	vector.StrokeRect(dst, float32(r.Min.X)+0.5, float32(r.Min.Y)+0.5, float32(r.Dx()-1), float32(r.Dy()-1), 1, borderColour(), false)
	textLeft(dst, title, a.font.title, float64(r.Min.X+12), float64(r.Min.Y+9), inkColour())
	if subtitle != "" {
		textLeft(dst, subtitle, a.font.small, float64(r.Min.X+12), float64(r.Min.Y+29), mutedColour())
	}
}

// fillRect fills r with c.
func fillRect(dst *ebiten.Image, r image.Rectangle, c color.Color) {
	vector.FillRect(dst, float32(r.Min.X), float32(r.Min.Y), float32(r.Dx()), float32(r.Dy()), c, false)
}

// thousands formats n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, d := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, d)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
