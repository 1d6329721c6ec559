package textextract_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sendguard/sendguard/engine/textextract"
)

func TestHTML(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain text":                  {"hello world", "hello world"},
		"inline tags vanish":          {"943 <span>476</span> 5919", "943 476 5919"},
		"inline inside a word":        {"94<b>3</b>4765919", "9434765919"},
		"many inline tags":            {"<a href=x><font color=red><strong><em><u><sub>1</sub><sup>2</sup></u></em></strong></font></a>3", "123"},
		"unknown tags are inline":     {"9<o:p></o:p>4<custom-el>3</custom-el>", "943"},
		"paragraphs":                  {"<p>one</p><p>two</p>", "one\ntwo\n"},
		"line breaks":                 {"a<br>b<br/>c<BR />d", "a\nb\nc\nd"},
		"headings and lists":          {"<h1>T</h1><ul><li>x</li><li>y</li></ul>", "T\nx\ny\n"},
		"table cells":                 {"<table><tr><td>NHS</td><td>1</td></tr><tr><th>a</th></tr></table>", "NHS 1 a "},
		"div":                         {"<div>943476</div><div>5919</div>", "943476\n5919\n"},
		"whitespace collapses":        {"  a \n\t b  \r\n c ", "a b c "},
		"named entities":              {"&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos; &pound;5 &eacute; &copy;", `<b> & "q" 's' £5 é ©`},
		"entities are case-sensitive": {"&Eacute;&eacute;&AMP;", "Éé&AMP;"},
		"decimal entities":            {"&#57;&#52;&#51;", "943"},
		"hex entities":                {"&#x39;&#X34;&#x33;", "943"},
		"entity without semicolon":    {"&#57&#52 &amp &nbspx &copy2026", "94 & x ©2026"},
		"unknown entity":              {"&bogus; &; & x &#; &#x;", "&bogus; &; & x &#; &#x;"},
		"invalid code points":         {"&#0;&#xD800;&#x110000;&#99999999999999999999;", "\ufffd\ufffd\ufffd\ufffd"},
		"nbsp":                        {"943&nbsp;476\u00a05919&#160;x", "943 476 5919 x"},
		"zero-width and soft hyphen":  {"94\u200b3&#8203;4&shy;7\u00ad6&zwj;5&zwnj;9\ufeff1&#x2060;9", "9434765919"},
		"script dropped":              {"a<script>document.write('<p>943</p>')</script>b", "ab"},
		"script end in a string":      {"a<script>x='</scriptx>';</SCRIPT >b", "ab"},
		"style dropped":               {"<style type=\"text/css\">p{content:'9434765919'}</style>ok", "ok"},
		"title dropped":               {"<head><title>NHS 9434765919</title></head><body>ok</body>", "ok\n"},
		"template dropped, nested":    {"<template>a<template>b</template>c</template>d", "d"},
		"iframe dropped":              {"<iframe>x</iframe>y", "y"},
		"comment dropped":             {"a<!-- 943 476 5919 -->b", "ab"},
		"empty comments":              {"a<!-->b<!--->c", "abc"},
		"conditional comment":         {"a<!--[if mso]>x<![endif]-->b", "ab"},
		"doctype and PI":              {"<!DOCTYPE html><?xml version='1.0'?>a", "a"},
		"attribute with >":            {`<a title="x > y" href='a>b'>link</a>`, "link"},
		"stray quote in tag":          {`<p class=a"b>text</p>`, "text\n"},
		"lone less-than":              {"a < b and 1<2", "a < b and 1<2"},
		"end tag without name":        {"a</>b</ x>c", "abc"},
		"unterminated tag":            {"text<p class=", "text\n"},
		"unterminated comment":        {"text<!-- rest", "text"},
		"unterminated script":         {"text<script>rest", "text"},
		"unterminated quote":          {`text<a href="rest`, "text"},
		"invalid UTF-8":               {"a\xffb\xc3", "a b "},
		"dashes made hyphens":         {"943‑476&#8211;5919 &minus;1", "943-476-5919 -1"},
		"non-ASCII kept":              {"naïve café — ok", "naïve café — ok"},
		"trailing <":                  {"a<", "a<"},
		"trailing &":                  {"a&", "a&"},
		"uppercase tags":              {"<P>a</P><DIV>b</DIV><SPAN>c</SPAN>", "a\nb\nc"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, textextract.HTML(tc.in))
		})
	}
}

func TestText(t *testing.T) {
	tests := map[string]struct{ contentType, in, want string }{
		"html":              {"html", "<b>a</b>&amp;", "a&"},
		"HTML any case":     {" HTML ", "<b>a</b>", "a"},
		"text":              {"text", "<b>a</b>&amp;", "<b>a</b>&amp;"},
		"empty type":        {"", "a\r\nb\rc", "a\nb\nc"},
		"plain invisible":   {"text", "943\u00a0476\u200b5919\u00ad", "943 4765919"},
		"plain invalid":     {"text", "a\xffb", "a b"},
		"plain line breaks": {"text", "a\u2028b", "a\nb"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, textextract.Text(tc.contentType, tc.in))
		})
	}
}

// TestPlainNoCopy: clean ASCII text comes back as the same string.
func TestPlainNoCopy(t *testing.T) {
	s := strings.Repeat("plain ascii text\n", 100)
	allocs := testing.AllocsPerRun(10, func() { textextract.Plain(s) })
	assert.Zero(t, allocs)
}

// TestHTMLLinear guards against quadratic paths: a megabyte of pathological
// markup (unclosed tags, endless "<" and "&", nested templates) is handled
// with one output buffer.
func TestHTMLLinear(t *testing.T) {
	inputs := map[string]string{
		"many lone <":     strings.Repeat("<", 1<<20),
		"many &#":         strings.Repeat("&#", 1<<19),
		"many comments":   strings.Repeat("<!--", 1<<18),
		"nested template": strings.Repeat("<template>", 1<<17),
		"script openers":  "<script>" + strings.Repeat("</scrip", 1<<17),
		"attributes":      "<p " + strings.Repeat("a=b ", 1<<18),
		"entities":        strings.Repeat("&amp;&#57;&nbsp;", 1<<16),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(2, func() { textextract.HTML(in) })
			assert.LessOrEqual(t, allocs, 2.0)
			assert.LessOrEqual(t, len(textextract.HTML(in)), len(in))
		})
	}
}
