package web

import (
	"bytes"
	"html/template"
	"math"
	"strconv"
)

// barChart is a grouped bar chart of shares from 0 to 1, drawn on the
// server as inline SVG: it needs no script, and no inline style either
// (which the CSP forbids), since its colours are classes of app.css.
type barChart struct {
	Title string // names the chart for assistive technology
	// Series names the bars of each group, in order; a bar's class is
	// "bar bar-<series>", which app.css colours.
	Series []string
	Groups []barGroup
}

type barGroup struct {
	Label string     // under the group, on the x axis
	Bars  []barValue // one per series
}

type barValue struct {
	Share float64 // from 0 to 1
	// Empty marks a bar without a value; it is drawn with no height, so
	// that every group still has every series.
	Empty bool
	Value string // the share as people read it ("92"), kept in data-value
	Tip   string // the bar's tooltip: series, group and value in words
}

// The chart's geometry, in SVG user units.
const (
	chartLeft   = 44 // room for the y axis' labels
	chartRight  = 12
	chartTop    = 32 // room for the legend
	chartBottom = 36 // room for the groups' labels
	chartPlot   = 200
	chartGroup  = 100
	chartPad    = 12 // between groups, on each side
	legendStep  = 64
)

// svgChart is the chart laid out, as the template draws it.
type svgChart struct {
	Title       string
	W, H        float64
	Left, Right float64 // the plot's edges
	Base        float64 // the plot's bottom, at 0%
	LegendY     float64
	Ticks       []svgTick
	Groups      []svgGroup
	Legend      []svgLegend
}

type svgTick struct {
	Y     float64
	Label string
}

type svgGroup struct {
	Label string
	X, Y  float64 // the label's anchor
	Bars  []svgBar
}

type svgBar struct {
	Class, Value, Tip string
	X, Y, W, H        float64
}

type svgLegend struct {
	Class, Label string
	X            float64
}

var chartTemplate = template.Must(template.New("chart").Parse(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" ` +
	`viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" role="img" aria-label="{{.Title}}">` +
	`<title>{{.Title}}</title>` +
	`{{range .Ticks}}<line class="grid" x1="{{$.Left}}" x2="{{$.Right}}" y1="{{.Y}}" y2="{{.Y}}"></line>` +
	`<text class="tick" x="{{$.Left}}" y="{{.Y}}" dx="-6" dy="4" text-anchor="end">{{.Label}}</text>{{end}}` +
	`<line class="axis" x1="{{.Left}}" x2="{{.Right}}" y1="{{.Base}}" y2="{{.Base}}"></line>` +
	`{{range .Groups}}<g>{{range .Bars}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" data-value="{{.Value}}">` +
	`<title>{{.Tip}}</title></rect>{{end}}<text class="label" x="{{.X}}" y="{{.Y}}" text-anchor="middle">{{.Label}}</text></g>{{end}}` +
	`{{range .Legend}}<rect class="{{.Class}}" x="{{.X}}" y="{{$.LegendY}}" width="12" height="12"></rect>` +
	`<text class="legend" x="{{.X}}" y="{{$.LegendY}}" dx="16" dy="11">{{.Label}}</text>{{end}}` +
	`</svg>`))

// svg draws the chart; html/template escapes every text in it.
func (c barChart) svg() (template.HTML, error) {
	round := func(v float64) float64 { return math.Round(v*10) / 10 }
	n := float64(len(c.Series))
	barW := round((chartGroup - 2*chartPad) / max(n, 1))
	base := float64(chartTop + chartPlot)
	v := svgChart{Title: c.Title, W: float64(chartLeft + len(c.Groups)*chartGroup + chartRight), H: base + chartBottom,
		Left: chartLeft, LegendY: 8, Base: base}
	v.Right = v.W - chartRight
	for pct := 0; pct <= 100; pct += 25 {
		v.Ticks = append(v.Ticks, svgTick{Y: base - float64(pct)*chartPlot/100, Label: strconv.Itoa(pct) + "%"})
	}
	for i, s := range c.Series {
		v.Legend = append(v.Legend, svgLegend{Class: "bar bar-" + s, Label: s, X: float64(chartLeft + i*legendStep)})
	}
	for g, grp := range c.Groups {
		left := float64(chartLeft + g*chartGroup)
		sg := svgGroup{Label: grp.Label, X: left + chartGroup/2, Y: base + 20}
		for i, b := range grp.Bars {
			h := 0.0
			if !b.Empty {
				// A share of nothing still shows, as a sliver, so that 0%
				// is not mistaken for a month without cases.
				h = max(round(min(max(b.Share, 0), 1)*chartPlot), 2)
			}
			class := "bar bar-" + c.Series[i]
			if b.Empty {
				class += " empty"
			}
			sg.Bars = append(sg.Bars, svgBar{Class: class, Value: b.Value, Tip: b.Tip,
				X: round(left + chartPad + float64(i)*barW), Y: round(base - h), W: barW, H: h})
		}
		v.Groups = append(v.Groups, sg)
	}
	var buf bytes.Buffer
	if err := chartTemplate.Execute(&buf, v); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil //nolint:gosec // escaped by html/template
}
