package main

// englishWeb is the English of the web desk's commands (serve --http,
// users), kept apart from english so that the two grow without meeting.
var englishWeb = []translation{}

// allEnglish is every English entry of the catalogue.
func allEnglish() []translation {
	return append(append([]translation{}, english...), englishWeb...)
}
