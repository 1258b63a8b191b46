from tracker.text import detect_language, detect_languages, html_to_text, split_quotes, stem_tokens, stop_words, tokenize


def test_html_to_text_decodes_entities_breaks_paragraphs_and_keeps_link_domains():
    markup = ('<p>R1 costs &lt;$6M&gt; &amp; it&#x27;s MIT</p><p>See <a href="https://www.arxiv.org/abs/2501.12948">'
              'the paper</a><br>and weep</p>')
    assert html_to_text(markup) == "R1 costs <$6M> & it's MIT\n\nSee the paper (arxiv.org)\nand weep"


def test_html_to_text_drops_scripts_and_keeps_plain_text_as_is():
    assert html_to_text("<p>ok<script>alert(1)</script></p>") == "ok"
    assert html_to_text("no markup here") == "no markup here"


def test_markdown_quotes_are_set_aside():
    split = split_quotes("> Open weights is not open source.\n> Read the OSI definition.\n\nNobody cares, it runs on my box.")
    assert split.own == "Nobody cares, it runs on my box."
    assert split.quotes == ["Open weights is not open source.\nRead the OSI definition."]
    assert split.quoted == "quote"


def test_bbcode_quotes_with_and_without_author_and_nested():
    raw = "[QUOTE=Zorglub]Mistral va se faire manger[QUOTE]vieux message[/QUOTE][/QUOTE]\nPas d'accord, Le Chat est rapide."
    split = split_quotes(raw)
    assert split.own == "Pas d'accord, Le Chat est rapide."
    assert "Mistral va se faire manger" in split.quotes[-1]
    assert "vieux message" not in split.own
    assert split.quoted_authors == ["Zorglub"]


def test_html_blockquote_with_cite_names_the_author():
    raw = "<blockquote><cite>jeanmi a écrit :</cite>C'est du vol pur et simple.</blockquote><p>Non, c'est de la distillation.</p>"
    split = split_quotes(raw)
    assert split.own == "Non, c'est de la distillation."
    assert split.quotes == ["C'est du vol pur et simple."]
    assert split.quoted == "jeanmi"


def test_french_headers_citation_de_and_a_ecrit():
    split = split_quotes("Citation de Nodens :\nLes Chinois ont tout copié.\n\nSource ? Le papier est public.")
    assert split.own == "Source ? Le papier est public."
    assert split.quoted == "Nodens"
    inline = split_quotes("Ratatouille a écrit : « l'open source a gagné »\nPas si vite.")
    assert inline.own == "Pas si vite."
    assert inline.quotes == ["l'open source a gagné"]


def test_a_dated_header_as_jeuxvideo_com_writes_it_goes_with_its_quote():
    split = split_quotes("Le 30 janvier 2025 à 17:48:05 AntiFragile_ a écrit :\n> tout part en Chine\n> les gars\n\n"
                         "l'appli oui. le modèle tu le fais tourner chez toi.")
    assert split.own == "l'appli oui. le modèle tu le fais tourner chez toi."
    assert split.quotes == ["tout part en Chine\nles gars"] and split.quoted == "AntiFragile_"
    numeric = split_quotes("Le 03/02/2025 à 09h12 Kev a écrit :\nun truc cité\n\nma réponse")
    assert (numeric.own, numeric.quotes, numeric.quoted) == ("ma réponse", ["un truc cité"], "Kev")


def test_a_sentence_that_mentions_writing_is_not_a_quote_header():
    text = "The engineer who built the distillation pipeline at that startup wrote: nothing, it was all scraped."
    assert split_quotes(text).own == text


def test_quote_stripping_keeps_every_own_word_and_loses_no_quoted_word():
    raw = "First own line.\n> quoted words here\nSecond own line."
    split = split_quotes(raw)
    assert "quoted" not in split.own
    assert split.own.split() == ["First", "own", "line.", "Second", "own", "line."]
    assert split.quotes == ["quoted words here"]


SAMPLES = [
    ("Exactly this.", "en"), ("Faux.", "fr"), ("Source ?", "fr"), ("This is huge for local models", "en"),
    ("Mouais, encore un coup de com'", "fr"), ("les ricains vont pas aimer", "fr"), ("Nvidia puts printing", "en"),
    ("C'est open weights, pas open source.", "fr"), ("Runs fine on my 4090", "en"), ("+1", "other"),
]


def test_language_of_short_comments():
    assert [detect_language(text) for text, _ in SAMPLES] == [lang for _, lang in SAMPLES]
    assert detect_languages([text for text, _ in SAMPLES]) == [lang for _, lang in SAMPLES]


def test_tokenize_keeps_elisions_numbers_and_model_names():
    assert tokenize("L'IA coûte 95% moins cher que GPT-4o !") == ["l'ia", "coûte", "95%", "moins", "cher", "que", "gpt-4o"]


def test_stemming_and_stop_words_work_offline_in_both_languages():
    assert stem_tokens(["modèles", "ouverts"], "fr") == ["model", "ouvert"]
    assert stem_tokens(["models", "running"], "en") == ["model", "run"]
    assert {"le", "les", "des"} <= stop_words("fr")
    assert {"the", "and", "of"} <= stop_words("en")
