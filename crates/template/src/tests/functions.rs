//! The sprig functions, with what sprig returns for each (its source and documentation).

use super::check;

#[test]
fn defaults_and_flow() {
    check(&[
        (
            "{{ env \"STAGE\" }} {{ env \"NOPE\" | default \"dev\" }}",
            "prod dev",
        ),
        (
            "{{ default \"x\" \"\" }}{{ default \"x\" \"y\" }}{{ \"\" | default \"d\" }}{{ 0 | default 5 }}{{ default \"z\" }}",
            "xyd5z",
        ),
        (
            "{{ empty \"\" }}{{ empty list }}{{ empty 0 }}{{ empty \"a\" }}",
            "truetruetruefalse",
        ),
        (
            "{{ coalesce \"\" 0 \"x\" \"y\" }} {{ coalesce \"\" }}",
            "x <no value>",
        ),
        (
            "{{ ternary \"a\" \"b\" true }}{{ false | ternary \"a\" \"b\" }}",
            "ab",
        ),
        ("{{ all 1 \"a\" }}{{ any 0 \"\" }}", "truefalse"),
        (
            "{{ kindOf list }} {{ typeOf 1 }} {{ typeOf \"a\" }} {{ kindIs \"map\" dict }}",
            "slice int string true",
        ),
        (
            "{{ deepEqual (list 1 2) (list 1 2) }}{{ deepEqual (list 1) (list \"1\") }}",
            "truefalse",
        ),
    ]);
}

#[test]
fn strings() {
    check(&[
        (
            "{{ title \"hello wORLD foo_bar x-y\" }} {{ untitle \"Hello\" }}",
            "Hello WORLD Foo_bar X-Y hello",
        ),
        (
            "{{ upper \"ab\" }}{{ lower \"CD\" }}{{ swapcase \"aB\" }}",
            "ABcdAb",
        ),
        (
            "[{{ trim \"  a  \" }}] {{ trimAll \"$\" \"$5.00$\" }}",
            "[a] 5.00",
        ),
        (
            "{{ \"web-app\" | trimPrefix \"web-\" }} {{ trimSuffix \".com\" \"a.com\" }}",
            "app a",
        ),
        ("{{ \"a-b-c\" | replace \"-\" \".\" }}", "a.b.c"),
        (
            "{{ contains \"ell\" \"hello\" }}{{ hasPrefix \"he\" \"hello\" }}{{ hasSuffix \"x\" \"hello\" }}",
            "truetruefalse",
        ),
        ("{{ repeat 3 \"ab\" }}", "ababab"),
        (
            "{{ quote \"a\" 1 }} {{ squote \"b\" }} {{ cat \"a\" 1 (list 2 3) }}",
            "\"a\" \"1\" 'b' a 1 [2 3]",
        ),
        (
            "{{ indent 2 \"a\\nb\" }}|{{ nindent 1 \"c\" }}",
            "  a\n  b|\n c",
        ),
        (
            "{{ nospace \"a b\\tc\" }} {{ trunc 3 \"abcdef\" }} {{ trunc -2 \"abcdef\" }}",
            "abc abc ef",
        ),
        (
            "{{ abbrev 5 \"hello world\" }} {{ initials \"First Try\" }} {{ substr 1 3 \"hello\" }}",
            "he... FT el",
        ),
        (
            "{{ plural \"one\" \"many\" 2 }} {{ plural \"one\" \"many\" 1 }}",
            "many one",
        ),
        (
            "{{ toString 12 | printf \"%q\" }} {{ toStrings (list 1 \"a\") }}",
            "\"12\" [1 a]",
        ),
        ("{{ normalize \"a_b.c\" }}", "a-b-c"),
    ]);
}

#[test]
fn splitting_and_joining() {
    check(&[
        // The file provider's `split` is Go's strings.Split (string first).
        (
            "{{ split \"a,b\" \",\" }} {{ index (split \"a,b\" \",\") 1 }}",
            "[a b] b",
        ),
        ("{{ splitList \",\" \"a,b,c\" | join \"+\" }}", "a+b+c"),
        ("{{ (splitn \",\" 2 \"a,b,c\")._1 }}", "b,c"),
        (
            "{{ join \"-\" (list 1 \"a\" 2) }} {{ sortAlpha (list \"b\" \"a\" 3) }}",
            "1-a-2 [3 a b]",
        ),
        ("{{ splitList \"\" \"héj\" }}", "[h é j]"),
    ]);
}

#[test]
fn lists() {
    check(&[
        (
            "{{ $l := list 1 2 3 }}{{ first $l }}{{ last $l }}{{ append $l 4 }}{{ prepend $l 0 }}{{ rest $l }}{{ initial $l }}{{ reverse $l }}{{ $l }}",
            "13[1 2 3 4][0 1 2 3][2 3][1 2][3 2 1][1 2 3]",
        ),
        ("{{ first list }}", "<no value>"),
        (
            "{{ until 3 }}{{ until -2 }}{{ untilStep 1 10 4 }}",
            "[0 1 2][0 -1][1 5 9]",
        ),
        (
            "{{ seq 3 }}|{{ seq 5 3 }}|{{ seq 0 2 6 }}|{{ seq 2 -1 0 }}",
            "1 2 3|5 4 3|0 2 4 6|2 1 0",
        ),
        (
            "{{ uniq (list 1 1 2) }}{{ without (list 1 2 3) 2 }}{{ has 2 (list 1 2) }}{{ compact (list \"\" 1 0 \"a\") }}",
            "[1 2][1 3]true[1 a]",
        ),
        (
            "{{ concat (list 1) (list 2 3) }}{{ chunk 2 (list 1 2 3) }}{{ slice (list 1 2 3) 1 }}",
            "[1 2 3][[1 2] [3]][2 3]",
        ),
    ]);
}

#[test]
fn numbers() {
    check(&[
        (
            "{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }} {{ add1 4 }} {{ max 1 5 3 }} {{ min 4 2 8 }}",
            "6 3 24 3 1 5 5 2",
        ),
        (
            "{{ add \"2\" 3 }} {{ add \"0x10\" 0 }} {{ sub 1 \"x\" }}",
            "5 16 1",
        ),
        (
            "{{ atoi \"42\" }} {{ atoi \"x\" }} {{ int \"12\" }} {{ int 3.9 }} {{ int64 \"7.0\" }}",
            "42 0 12 3 7",
        ),
        (
            "{{ float64 \"1.5\" }} {{ ceil 1.2 }} {{ floor 1.8 }} {{ round 3.14159 2 }} {{ maxf 1 2.5 }}",
            "1.5 2 1 3.14 2.5",
        ),
    ]);
}

#[test]
fn dictionaries() {
    check(&[
        (
            "{{ $d := dict \"a\" 1 \"b\" \"x\" }}{{ get $d \"a\" }}{{ get $d \"z\" }}|{{ hasKey $d \"b\" }}{{ $_ := set $d \"c\" 3 }}{{ keys $d | sortAlpha }}{{ $_ := unset $d \"a\" }}{{ $d }}",
            "1|true[a b c]map[b:x c:3]",
        ),
        (
            "{{ dig \"a\" \"b\" \"none\" (dict \"a\" (dict \"b\" 1)) }} {{ dig \"a\" \"x\" \"none\" (dict \"a\" (dict)) }}",
            "1 none",
        ),
        (
            "{{ pick (dict \"a\" 1 \"b\" 2) \"b\" }} {{ omit (dict \"a\" 1 \"b\" 2) \"b\" }} {{ values (dict \"a\" 1 \"b\" 2) }}",
            "map[b:2] map[a:1] [1 2]",
        ),
        (
            "{{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) (dict \"a\" 3) }}",
            "[1 3]",
        ),
        (
            "{{ $d := dict \"a\" \"\" \"n\" (dict \"x\" 1) }}{{ merge $d (dict \"a\" 1 \"b\" 2 \"n\" (dict \"y\" 2)) }}",
            "map[a:1 b:2 n:map[x:1 y:2]]",
        ),
        (
            "{{ mergeOverwrite (dict \"a\" 1) (dict \"a\" 2) }}",
            "map[a:2]",
        ),
        ("{{ dict \"k\" }}", "map[k:]"),
    ]);
}

#[test]
fn encodings_paths_and_regexes() {
    check(&[
        (
            "{{ b64enc \"hello\" }} {{ b64dec \"aGVsbG8=\" }} {{ b64dec \"!!\" }}",
            "aGVsbG8= hello illegal base64 data at input byte 0",
        ),
        (
            "{{ b32enc \"hello\" }} {{ b32dec \"NBSWY3DP\" }} {{ b32enc \"a\" }}",
            "NBSWY3DP hello ME======",
        ),
        (
            "{{ base \"/a/b.txt\" }} {{ dir \"/a/b.txt\" }} {{ ext \"b.tar.gz\" }} {{ clean \"/a/../b//c/\" }} {{ clean \"../x/..\" }} {{ isAbs \"x\" }}",
            "b.txt /a .gz /b/c .. false",
        ),
        (
            "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}",
            "-W-xxW-",
        ),
        (
            "{{ regexReplaceAllLiteral \"a(x*)b\" \"-ab-\" \"${1}\" }}",
            "-${1}-",
        ),
        (
            "{{ regexMatch \"^[a-z]+$\" \"abc\" }} {{ regexMatch \"(\" \"abc\" }}",
            "true false",
        ),
        (
            "{{ regexFindAll \"[2,4,6,8]\" \"123456789\" -1 }} {{ regexFind \"[a-z]+\" \"12ab3\" }}",
            "[2 4 6 8] ab",
        ),
        (
            "{{ regexSplit \"z+\" \"pizza\" -1 }} {{ regexQuoteMeta \"1.5+x\" }}",
            "[pi a] 1\\.5\\+x",
        ),
    ]);
}

#[test]
fn expandenv_follows_os_expand() {
    let out = crate::funcs::expand_for_tests("a $X ${Y} $$ ${} $", |k| format!("<{k}>"));
    assert_eq!(out, "a <X> <Y> <$>  $");
}

#[test]
fn json() {
    check(&[
        (
            "{{ toJson (dict \"b\" (list 1 2.5 \"x<y\") \"a\" nil \"c\" true) }}",
            r#"{"a":null,"b":[1,2.5,"x\u003cy"],"c":true}"#,
        ),
        (
            "{{ toRawJson (list \"x<y\" 1e21 0.0000001) }}",
            r#"["x<y",1e+21,1e-7]"#,
        ),
        (
            "{{ toPrettyJson (dict \"a\" (list \"&\") \"b\" (dict)) }}",
            "{\n  \"a\": [\n    \"\\u0026\"\n  ],\n  \"b\": {}\n}",
        ),
        (
            "{{ splitList \",\" \"10.0.0.0/8,192.168.0.0/16\" | toJson }}",
            r#"["10.0.0.0/8","192.168.0.0/16"]"#,
        ),
        (
            "{{ (fromJson \"{\\\"a\\\": [1, {\\\"b\\\": \\\"c\\\"}]}\").a }}",
            "[1 map[b:c]]",
        ),
        ("{{ fromJson \"nope\" }}", "<no value>"),
    ]);
}
