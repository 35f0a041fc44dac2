"""The template's VBA project, built from sources: compression, compound file, project streams.

Three readers check what is written: the project's own (:mod:`workbook.cfb`,
:func:`workbook.vba_project.read`), oletools' ``olevba`` (and its ``olefile``), and LibreOffice's VBA
import. No Excel runs here, so whether Excel compiles the project is not checked.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from tests.test_udfs_registration import registered  # noqa: F401  (xlwings' Windows registration)
from workbook import build, cfb, layout, ovba, udf_wrappers, vba, vba_project

ROOT = Path(__file__).resolve().parents[1]
SHEETS = [f"Sheet{n}" for n in range(1, 8)]
EXPECTED = ["ThisWorkbook", *SHEETS, "xlwings", "Dictionary", "jpflows", "xlwings_udfs"]


def lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build.build(tmp_path_factory.mktemp("book") / "jpflows_template.xlsm")


@pytest.fixture(scope="module")
def project(template) -> bytes:
    with zipfile.ZipFile(template) as archive:
        return archive.read("xl/vbaProject.bin")


# -- MS-OVBA compression ---------------------------------------------------------------------

SAMPLES = [b"", b"a", b"ab", b"abc", b"a" * 4095, b"a" * 4096, b"a" * 4097, b"abc " * 2500,
           random.Random(1).randbytes(3000), random.Random(2).randbytes(8192)]


@pytest.mark.parametrize("data", SAMPLES, ids=[f"{len(d)}b" for d in SAMPLES])
def test_ovba__round_trips_and_oletools_reads_it(data):
    packed = ovba.compress(data)
    assert packed[0] == 1
    assert ovba.decompress(packed) == data
    assert decompress_stream(bytearray(packed)) == data


def test_ovba__reads_what_office_compressed():
    office = olefile.OleFileIO(io.BytesIO(vba.vba_project())).openstream("VBA/dir").read()
    assert ovba.decompress(office) == decompress_stream(bytearray(office))


def test_ovba__vba_source_shrinks_to_less_than_half():
    source = vba.module_sources(vba.vba_project())["xlwings"].encode("cp1252")
    assert len(ovba.compress(source)) < 0.5 * len(source)


@pytest.mark.parametrize("position, bits", [(1, 4), (16, 4), (17, 5), (32, 5), (33, 6),
                                            (2048, 11), (2049, 12), (4096, 12)])
def test_ovba__copy_token_split_follows_the_position_in_the_chunk(position, bits):
    assert ovba.copy_token_bits(position) == (bits, (0xFFFF >> bits) + 3)


def test_ovba__a_copy_token_before_the_chunk_start_is_refused():
    token = (5 << 12).to_bytes(2, "little")  # offset 6 at position 0
    chunk = bytes([0b1]) + token
    header = (len(chunk) + 2 - 3) | 0xB000
    with pytest.raises(ValueError, match="before the start"):
        ovba.decompress(b"\x01" + header.to_bytes(2, "little") + chunk)


# -- the compound file -------------------------------------------------------------------------

STREAMS = {"PROJECT": b"p" * 700, "PROJECTwm": b"", "VBA/dir": b"d" * 4096,
           "VBA/big": bytes(range(256)) * 40, **{f"VBA/m{i}": bytes([i]) * (i * 37) for i in range(40)}}


def test_cfb__own_reader_and_olefile_read_every_stream():
    data = cfb.write(STREAMS)
    assert len(data) % cfb.SECTOR == 0
    assert cfb.read(data) == STREAMS
    ole = olefile.OleFileIO(io.BytesIO(data))
    for path, content in STREAMS.items():
        assert ole.openstream(path).read() == content, path


def test_cfb__reads_the_office_written_quickstart_project():
    base = vba.vba_project()
    ole = olefile.OleFileIO(io.BytesIO(base))
    found = cfb.read(base)
    assert set(found) == {"/".join(p) for p in ole.listdir()}
    assert all(ole.openstream(path).read() == content for path, content in found.items())


def _entries(data: bytes) -> list[bytes]:
    first = int.from_bytes(data[48:52], "little")
    directory = data[cfb.SECTOR * (first + 1):]
    return [directory[i:i + 128] for i in range(0, 128 * (len(STREAMS) + 3), 128)]


def _check_tree(entries, index, low, high) -> int:
    """Black height of the sibling tree at ``index``; asserts order and red-black rules."""
    if index == cfb.NO_STREAM:
        return 1
    entry = entries[index]
    key = cfb._key(entry[:int.from_bytes(entry[64:66], "little") - 2].decode("utf-16-le"))
    assert (low is None or low < key) and (high is None or key < high)
    left, right = (int.from_bytes(entry[o:o + 4], "little") for o in (68, 72))
    if entry[67] == cfb.RED:
        assert all(c == cfb.NO_STREAM or entries[c][67] == cfb.BLACK for c in (left, right))
    heights = {_check_tree(entries, left, low, key), _check_tree(entries, right, key, high)}
    assert len(heights) == 1, "unequal black heights"
    return heights.pop() + (entry[67] == cfb.BLACK)


def test_cfb__siblings_form_an_ordered_red_black_tree():
    entries = _entries(cfb.write(STREAMS))
    root_child = int.from_bytes(entries[0][76:80], "little")
    _check_tree(entries, root_child, None, None)
    vba_entry = next(e for e in entries if e[:6] == "VBA".encode("utf-16-le"))
    _check_tree(entries, int.from_bytes(vba_entry[76:80], "little"), None, None)


def test_cfb__writes_the_same_bytes_twice_and_no_timestamps():
    first, again = cfb.write(STREAMS), cfb.write(dict(reversed(list(STREAMS.items()))))
    assert first == again
    assert all(e[100:116] == bytes(16) for e in _entries(first))


# -- the project streams -------------------------------------------------------------------------

def test_vba_project__own_reader_round_trips_names_kinds_and_sources():
    modules = [vba_project.Module("ThisWorkbook", vba_project.DOCUMENT, 'Attribute VB_Name = "ThisWorkbook"\n'),
               vba_project.Module("Tools", vba_project.STANDARD, 'Attribute VB_Name = "Tools"\nSub A()\nEnd Sub\n'),
               vba_project.Module("Bag", vba_project.CLASS, 'Attribute VB_Name = "Bag"\n' + "' x\n" * 2000)]
    back = vba_project.read(vba_project.write(modules, vba.vba_project()))
    assert [(m.name, m.kind, lines(m.source)) for m in back] == \
        [(m.name, m.kind, lines(m.source)) for m in modules]


def test_vba_project__sources_only_as_ms_ovba_asks_a_writer(project):
    streams = cfb.read(project)
    assert streams["VBA/_VBA_PROJECT"] == bytes.fromhex("CC61FFFF000100")  # version 0xFFFF, no cache
    directory = ovba.decompress(streams["VBA/dir"])
    offsets = [p for _, rid, p in vba_project.records(directory) if rid == 0x0031]
    assert offsets == [bytes(4)] * len(EXPECTED)
    for name in EXPECTED:  # each module stream is its compressed source and nothing else
        assert ovba.decompress(streams[f"VBA/{name}"]).startswith(f'Attribute VB_Name = "{name}"'.encode())


def test_vba_project__keeps_the_references_and_identity_of_xlwings_project(project):
    base, built = cfb.read(vba.vba_project()), cfb.read(project)
    base_dir, built_dir = (ovba.decompress(s["VBA/dir"]) for s in (base, built))
    information = vba_project._information(base_dir)
    assert built_dir.startswith(information) and b"Microsoft Office 16.0 Object Library" in information
    kept = [line for line in base["PROJECT"].decode().splitlines()
            if line.startswith(("ID=", "CMG=", "DPB=", "GC=", "Name=", "&H00000001="))]
    assert len(kept) == 6 and all(line in built["PROJECT"].decode().splitlines() for line in kept)


def test_vba_project__module_names_must_be_unique():
    twice = [vba_project.Module("A", vba_project.STANDARD, "")] * 2
    with pytest.raises(ValueError, match="unique"):
        vba_project.write(twice, vba.vba_project())


# -- the template's project, read by others --------------------------------------------------------

def test_template__olevba_lists_every_module_with_the_expected_source(template):
    found = {name.rsplit(".", 1)[0]: code for _, _, name, code in VBA_Parser(str(template)).extract_macros()}
    assert sorted(found) == sorted(EXPECTED)
    quickstart = vba.module_sources(vba.vba_project())
    assert lines(found["xlwings"]) == lines(quickstart["xlwings"])
    assert lines(found["Dictionary"]) == lines(quickstart["Dictionary"])
    assert lines(found["jpflows"]) == lines(vba.MACROS.read_text())
    assert lines(found["xlwings_udfs"]) == lines(udf_wrappers.source(layout.ENTRY_MODULE,
                                                                     "jpflows_template.xlsm"))
    for sheet in SHEETS:
        assert found[sheet].startswith(f'Attribute VB_Name = "{sheet}"') and "VB_Base" in found[sheet]


def test_template__committed_vba_matches_a_rebuild(project):
    with zipfile.ZipFile(build.TEMPLATE) as archive:
        assert archive.read("xl/vbaProject.bin") == project, "run: python -m workbook.build"


def _office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_office() is None, reason="LibreOffice (soffice) is not installed")
def test_template__libreoffice_imports_every_module(template, tmp_path):
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([_office(), "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(template)],
                   check=True, capture_output=True, timeout=240)
    with zipfile.ZipFile(tmp_path / "jpflows_template.ods") as archive:
        basic = {Path(n).stem: archive.read(n).decode() for n in archive.namelist()
                 if n.startswith("Basic/VBAProject/") and not n.endswith("script-lb.xml")}
    assert sorted(basic) == sorted(EXPECTED)
    kinds = {name: re.search(r'script:moduleType="(\w+)"', text).group(1) for name, text in basic.items()}
    assert kinds == {**{n: "document" for n in ["ThisWorkbook", *SHEETS]}, "Dictionary": "class",
                     "xlwings": "normal", "jpflows": "normal", "xlwings_udfs": "normal"}
    assert "Public Sub JpflowsRefresh()" in basic["jpflows"]
    assert "Function JP_VALUE(series, Optional on_date)" in basic["xlwings_udfs"]


# -- the xlwings version ---------------------------------------------------------------------------

def _pinned_xlwings() -> str:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(d for d in dependencies if re.match(r"xlwings\b", d)).replace(" ", "")


def test_version__pyproject_pins_exactly_the_version_of_the_shipped_vba():
    with zipfile.ZipFile(build.TEMPLATE) as archive:
        shipped = vba.module_sources(archive.read("xl/vbaProject.bin"))["xlwings"]
    assert _pinned_xlwings() == f"xlwings=={vba.xlwings_version(shipped)}"


def test_version__the_vba_loads_files_named_after_its_own_version():
    """Why the pin is exact: the VBA asks for xlwings64-<version>.dll and xlwings-<version>.applescript."""
    source = vba.module_sources(vba.vba_project())["xlwings"]
    version = vba.xlwings_version(source)
    assert f'"xlwings64-{version}.dll"' in source
    assert '"xlwings-" & XLWINGS_VERSION & ".applescript"' in source
    import xlwings

    assert xlwings.__version__ == version


def test_version__missing_constant_is_an_error():
    with pytest.raises(LookupError, match="XLWINGS_VERSION"):
        vba.xlwings_version("Attribute VB_Name = \"xlwings\"\n")


# -- the JP_* wrappers -----------------------------------------------------------------------------

def test_wrappers__hook_every_function_exactly_once():
    text = udf_wrappers.source("desk", "desk.xlsm")
    functions = re.findall(r"^Function (JP_\w+)\(", text, re.M)
    import udfs

    assert sorted(functions) == sorted(udfs.REGISTERED)
    assert text.count("= JpflowsCell(XLPy.CallUDF(\"desk\", ") == len(functions)
    assert text.count("= JpflowsFailure(Err.Description)") == len(functions)
    assert "caller" not in re.sub(r"'.*", "", text).replace("Application.Caller", "")


def test_wrappers__are_what_xlwings_import_functions_writes_plus_the_hooks(registered):  # noqa: F811
    import types

    xl_udfs, module = registered
    imported = io.StringIO()
    xl_udfs.generate_vba_wrapper("desk", module, imported, types.SimpleNamespace(Name="desk.xlsm"))
    ours = udf_wrappers.source("desk", "desk.xlsm")
    unhooked = re.sub(r"JpflowsCell\((XLPy\.CallUDF\(.*\))\)$", r"\1", ours, flags=re.M)
    unhooked = unhooked.replace("JpflowsFailure(Err.Description)", "Err.Description")
    assert unhooked == udf_wrappers.HEADER + imported.getvalue()


def test_wrappers__a_changed_xlwings_wrapper_shape_is_refused():
    with pytest.raises(ValueError, match="changed shape"):
        udf_wrappers.with_hooks("Function JP_X(a)\n    JP_X = 1\nEnd Function\n")


@pytest.mark.skipif(sys.platform.startswith("win"), reason="pywin32 is real on Windows")
def test_wrappers__leave_no_pywin32_stand_ins_behind():
    script = ("import sys; from workbook import udf_wrappers; udf_wrappers.source('d', 'd.xlsm'); "
              "import xlwings; print(sorted({'pythoncom', 'pywintypes', 'win32com', 'xlwings.udfs'}"
              " & set(sys.modules)), hasattr(xlwings, 'udfs'))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["[]", "False"]


# -- the jpflows module ----------------------------------------------------------------------------

BLOCKS = [(r"(Public |Private )?Sub \w+\(.*\)", r"End Sub"),
          (r"(Public |Private )?Function \w+\(.*\)( As \w+)?", r"End Function"),
          (r"If .* Then", r"End If"), (r"For Each \w+ In .*", r"Next \w+"), (r"#If .* Then", r"#End If")]


def test_jpflows_module__blocks_close_in_order():
    stack = []
    for number, line in enumerate(lines(vba.MACROS.read_text()), start=1):
        code = line.split(" '")[0].strip()
        for opening, closing in BLOCKS:
            if re.fullmatch(opening, code):
                stack.append((closing, number))
            elif re.fullmatch(closing, code):
                assert stack and re.fullmatch(stack.pop()[0], code), (number, code)
    assert not stack


def test_jpflows_module__refresh_imports_missing_functions_and_says_how_to_allow_it():
    source = vba.MACROS.read_text()
    refresh = vba.macros(source)["JpflowsRefresh"]
    assert refresh.index("FunctionsMissing()") < refresh.index("ImportFunctions()") < refresh.index("RunPython")
    assert "ImportPythonUDFs" in source and "ThisWorkbook.VBProject.VBComponents.Count" in source
    assert "File > Options > Trust Center > Trust Center Settings > Macro Settings" in source
    assert "Mac: Excel > Preferences > Security" in source
    assert '""Trust access to the VBA project object model""' in source


def test_jpflows_module__turns_the_errors_marker_into_excels_na():
    from udfs import failures

    hook = re.search(r"Function JpflowsCell.*?End Function", vba.MACROS.read_text(), re.S).group(0)
    assert f'If result = "{failures.NA}" Then' in hook and "CVErr(xlErrNA)" in hook
