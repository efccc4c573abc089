"""The StringLookup / IntegerLookup / TextVectorization cases compared with Keras 3.

Shared by make_lookup_reference.py (which runs them through Keras with TensorFlow and records
the results in lookup_reference.json) and test_lookup_layers.py (which runs them through
cornu). Each case: (id, layer class name, constructor kwargs, adapt data or None, inputs).
"""

WORDS = [["a", "b", "a", "c"], ["c", "a", "d", "e"], ["e", "e", "a", "b"], ["f", "", "a", "b"]]
IDS = [[3, 3, 7, 12], [12, 3, 0, 5], [7, 7, 3, 9], [42, 0, 3, 7]]
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "THE DOG barks; the fox runs!",
    "Über-clever foxes don't sleep... ever?",
    "a\tdog\nand  a cat",
    "",
]
TEXT_INPUTS = ["the fox and THE dog", "unknown words here", "", "Über fox, fox, fox."]

CASES = [
    ("string_vocab", "StringLookup", dict(vocabulary=["a", "b", "c", "d"]), None,
     [["a", "c", "d"], ["d", "z", "b"]]),
    ("string_adapt", "StringLookup", dict(), WORDS, [["a", "e", "q"], ["f", "b", ""]]),
    ("string_adapt_mask_max", "StringLookup",
     dict(max_tokens=5, mask_token="", num_oov_indices=2), WORDS,
     [["a", "", "q", "zz"], ["f", "b", "", "longer unknown string"]]),
    ("string_oov_salt", "StringLookup",
     dict(vocabulary=["a", "b"], num_oov_indices=3, salt=[133, 137]), None,
     [["a", "x", "y", "z", "b", "w"]]),
    ("string_multi_hot", "StringLookup", dict(vocabulary=["a", "b", "c"],
                                              output_mode="multi_hot"), None,
     [["a", "b", "a"], ["c", "z", "z"]]),
    ("string_count_mask", "StringLookup", dict(vocabulary=["a", "b", "c"], mask_token="",
                                               output_mode="count"), None,
     [["a", "", "a"], ["c", "z", ""]]),
    ("string_one_hot", "StringLookup", dict(vocabulary=["a", "b", "c"], output_mode="one_hot"),
     None, [["a"], ["z"], ["c"]]),
    ("string_tf_idf_adapt", "StringLookup", dict(output_mode="tf_idf"), WORDS,
     [["a", "a", "e", "q"], ["f", "b", "b", "b"]]),
    ("string_pad_to_max", "StringLookup", dict(max_tokens=8, pad_to_max_tokens=True,
                                               output_mode="multi_hot"), WORDS,
     [["a", "e"], ["q", "f"]]),
    ("string_invert", "StringLookup", dict(vocabulary=["a", "b", "c"], invert=True), None,
     [[1, 2, 0], [5, 3, 1]]),
    ("string_vocab_with_specials", "StringLookup",
     dict(vocabulary=["", "[UNK]", "a", "b"], mask_token=""), None, [["a", "", "b", "c"]]),
    ("int_vocab", "IntegerLookup", dict(vocabulary=[12, 36, 1138, 42]), None,
     [[12, 1138, 42], [42, 1000, 36]]),
    ("int_adapt_mask_floormod", "IntegerLookup", dict(mask_token=0, num_oov_indices=2), IDS,
     [[3, 0, 12, 100], [101, 7, 42, 0]]),
    ("int_farmhash", "IntegerLookup", dict(vocabulary=[1, 2], num_oov_indices=3,
                                           oov_method="farmhash"), None,
     [[1, 5, 6, 7, 8, 2, 123456789]]),
    ("int_invert_mask", "IntegerLookup", dict(vocabulary=[12, 36, 42], mask_token=0,
                                              invert=True), None, [[0, 1, 2, 3], [4, 9, 2, 0]]),
    ("int_count_adapt", "IntegerLookup", dict(output_mode="count", max_tokens=4), IDS,
     [[3, 3, 7, 99], [12, 12, 12, 0]]),
    ("int_tf_idf_vocab", "IntegerLookup",
     dict(vocabulary=[12, 36, 1138, 42], output_mode="tf_idf",
          idf_weights=[0.25, 0.75, 0.6, 0.4]), None, [[12, 36, 36, 5], [42, 42, 1, 1138]]),
    ("text_int", "TextVectorization", dict(output_sequence_length=6), CORPUS, TEXT_INPUTS),
    ("text_int_ragged_pad", "TextVectorization", dict(ngrams=(1, 3)), CORPUS, TEXT_INPUTS),
    ("text_multi_hot", "TextVectorization", dict(output_mode="multi_hot", max_tokens=6),
     CORPUS, TEXT_INPUTS),
    ("text_count_bigrams", "TextVectorization", dict(output_mode="count", ngrams=2), CORPUS,
     TEXT_INPUTS),
    ("text_tf_idf", "TextVectorization", dict(output_mode="tf_idf", max_tokens=12,
                                              pad_to_max_tokens=True), CORPUS, TEXT_INPUTS),
    ("text_characters", "TextVectorization", dict(standardize="lower", split="character",
                                                  output_sequence_length=8), CORPUS,
     TEXT_INPUTS),
    ("text_no_split", "TextVectorization", dict(split=None, standardize="strip_punctuation"),
     CORPUS + CORPUS[:2], TEXT_INPUTS + CORPUS[:1]),
    ("text_no_standardize", "TextVectorization", dict(standardize=None, output_mode="int",
                                                      output_sequence_length=3), CORPUS,
     TEXT_INPUTS),
    ("text_given_vocab", "TextVectorization",
     dict(vocabulary=["fox", "the", "dog"], output_mode="count"), None, TEXT_INPUTS),
]

LONG = ["a string of exactly 24 b", "x" * 17, "y" * 70, "z" * 200]
# Hashing cases: (id, constructor kwargs, inputs).
HASHING_CASES = [
    ("strings", dict(num_bins=3), [["A"], ["B"], ["C"], ["D"], ["E"]]),
    ("long_strings", dict(num_bins=1000), [LONG]),
    ("mask", dict(num_bins=3, mask_value=""), [["A"], ["B"], [""], ["C"], ["D"]]),
    ("salt_pair", dict(num_bins=5, salt=[133, 137]), [["A", "B", "C", "D", "E"] + LONG]),
    ("salt_int", dict(num_bins=3, salt=133), [["A"], ["B"], ["C"], ["D"], ["E"]]),
    ("ints", dict(num_bins=10), [[1, 2, -3, 123456789], [0, 7, 42, -99999]]),
    ("int_mask", dict(num_bins=7, mask_value=0), [[1, 0, 2, 0, 9]]),
    ("floats", dict(num_bins=10), [[1.7, -2.2, 3.0, 12345.9]]),
    ("one_hot", dict(num_bins=4, output_mode="one_hot"), [[1], [2], [3], [4]]),
    ("multi_hot", dict(num_bins=5, output_mode="multi_hot"), [["A", "B", "A"], ["C", "D", "E"]]),
    ("count", dict(num_bins=5, output_mode="count", salt=7), [[1, 2, 1, 1], [3, 3, 4, 5]]),
]
