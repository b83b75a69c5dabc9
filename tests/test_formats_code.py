"""The CodeAct reply parser: the documented protocol, the drifts small models make, and totality."""

from hypothesis import given
from hypothesis import strategies as st

from codeact.formats import get_format
from codeact.formats.code import REMINDER, parse_code_reply
from codeact.models.base import Completion
from codeact.tools import tool


def test_execute_block_with_thought():
    a = parse_code_reply("I will compute it.\n<execute>\nx = 2 ** 10\nprint(x)\n</execute>")
    assert a.thought == "I will compute it."
    assert a.code == "x = 2 ** 10\nprint(x)"
    assert a.answer is None and a.reminder is None


def test_unclosed_execute_because_of_the_stop_sequence():
    assert parse_code_reply("<execute>\nprint(1)\n").code == "print(1)"


def test_fenced_python_blocks_are_accepted_and_joined():
    a = parse_code_reply("Step one:\n```python\na = 1\n```\nthen\n```\nprint(a)\n```")
    assert a.code == "a = 1\nprint(a)"
    assert a.thought == "Step one:"


def test_other_language_fences_are_not_code():
    a = parse_code_reply('Result:\n```json\n{"a": 1}\n```\nand text\n```bash\nls\n```')
    assert a.code is None and a.reminder == REMINDER


def test_indented_code_is_dedented():
    assert parse_code_reply("<execute>\n    for i in range(2):\n        print(i)\n</execute>").code == (
        "for i in range(2):\n    print(i)"
    )


def test_solution_is_the_answer():
    a = parse_code_reply("So the result is <solution> 8384727 </solution>.")
    assert a.answer == "8384727" and a.code is None


def test_code_wins_over_a_premature_answer():
    a = parse_code_reply("<solution>42</solution>\n<execute>print(6*7)</execute>")
    assert a.code == "print(6*7)" and a.answer is None


def test_reply_without_code_or_answer_gets_the_reminder():
    for text in ["", "I think the answer is 5.", "<execute>   </execute>", "<solution></solution>"]:
        a = parse_code_reply(text)
        assert a.reminder == REMINDER and a.code is None and a.answer is None


def test_history_gets_the_stripped_stop_sequence_back():
    fmt = get_format("code")
    msg = fmt.assistant_message(Completion("think\n<execute>\nprint(1)\n"))
    assert msg["content"].endswith("</execute>")
    closed = fmt.assistant_message(Completion("<execute>print(1)</execute>"))
    assert closed["content"] == "<execute>print(1)</execute>"


def test_system_prompt_lists_tools_as_python_signatures():
    @tool
    def lookup(city: str, year: int = 2024) -> float:
        """Average temperature of a city in a year."""
        return 0.0

    prompt = get_format("code").system_prompt([lookup])
    assert "def lookup(city: str, year: int = 2024) -> float:" in prompt
    assert "Average temperature of a city in a year." in prompt
    assert "<execute>" in prompt and "<solution>" in prompt


@given(st.text())
def test_parser_is_total(text):
    a = parse_code_reply(text)
    assert sum(x is not None for x in (a.code, a.answer, a.reminder)) == 1


_pieces = st.sampled_from(["<execute>", "</execute>", "<solution>", "</solution>", "```", "```python", "\n", " ",
                           "print(1)", "x", "```json", "<EXECUTE>"])


@given(st.lists(st.one_of(_pieces, st.text(max_size=5)), max_size=30).map("".join))
def test_parser_is_total_on_protocol_fragments(text):
    a = parse_code_reply(text)
    assert sum(x is not None for x in (a.code, a.answer, a.reminder)) == 1
    if a.code is not None:
        assert a.code.strip() == a.code and a.code


@given(st.text(alphabet=st.characters(blacklist_characters="<>`"), min_size=1).filter(str.strip))
def test_any_code_inside_execute_round_trips(code):
    a = parse_code_reply(f"<execute>\n{code}\n</execute>")
    import textwrap

    assert a.code == textwrap.dedent(code.strip("\n")).strip()


def test_latex_boxed_answer_is_accepted():
    assert parse_code_reply(r"So the sum is \(\boxed{8384727}\).").answer == "8384727"
    assert parse_code_reply(r"\boxed{\frac{1}{2}}").answer == r"\frac{1}{2}"
    assert parse_code_reply(r"\boxed{} and \boxed{").reminder == REMINDER


def test_invented_output_blocks_are_a_stop_sequence():
    assert "```output" in get_format("code").stop
