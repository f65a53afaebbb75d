"""Output formats, file names, the input copy, the packaged folder and its side effects."""

from __future__ import annotations

import base64
import json

import nbformat
import pytest

from conftest import cell_text, notebook
from notebook_executor import naming

# A 1x1 PNG, displayed by the notebook so that formats must carry an image.
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
FORMATS_NOTEBOOK = notebook(
    ("md", "# Quarterly *report*\n\nSome **markdown** text."),
    "total = sum(range(10))\nprint('total is', total)",
    f"from IPython.display import Image, display\nimport base64\ndisplay(Image(data=base64.b64decode('{PNG_B64}')))",
)


def test_every_format_is_written_and_pdf_without_engine_is_a_format_error(job):
    job.stage_notebook(FORMATS_NOTEBOOK)
    result = job.run(NBJ_OUTPUT_FORMATS="ipynb,html,markdown,script,latex,pdf")

    assert result.returncode == 5, result.describe()
    assert "wrote ipynb, html, markdown, script, latex." in result.message
    assert "Not written: pdf needs a LaTeX engine (xelatex) and this image has none." in result.message
    assert job.keys(job.output_prefix) == sorted(
        [job.output_prefix + "report.ipynb"] + [job.output_name(ext) for ext in ("ipynb", "html", "md", "py", "tex")]
    )

    executed = job.executed_notebook()
    nbformat.validate(executed)
    assert cell_text(executed.cells[1]) == "total is 45\n"

    html = job.read(job.output_name("html")).decode()
    assert "total is 45" in html and "data:image/png;base64," in html and "Quarterly" in html

    markdown = job.read(job.output_name("md")).decode()
    assert "# Quarterly *report*" in markdown
    assert "total is 45" in markdown
    assert "data:image/png;base64," in markdown  # inline: no separate image files

    script = job.read(job.output_name("py")).decode()
    assert "total = sum(range(10))" in script

    latex = job.read(job.output_name("tex")).decode()
    assert "\\documentclass" in latex
    assert "Quarterly" in latex and "\\textbf{markdown}" in latex  # markdown cells went through pandoc
    assert "total is 45" in latex


def test_no_formats_uploads_only_the_input_copy(job):
    job.stage_notebook(notebook("print(1)"))
    result = job.run(NBJ_OUTPUT_FORMATS="")

    assert result.returncode == 0, result.describe()
    assert "wrote no output formats" in result.message
    assert job.keys(job.output_prefix) == [job.output_prefix + "report.ipynb"]


def test_script_extension_comes_from_the_kernelspec_language_without_language_info(job):
    job.stage_notebook(notebook("print(1)", language_info=False))
    result = job.run(NBJ_OUTPUT_FORMATS="script")

    assert result.returncode == 0, result.describe()
    assert job.output_name("py") in job.keys(job.output_prefix)


@pytest.mark.parametrize(
    "metadata, extension",
    [
        ({"language_info": {"file_extension": ".py"}, "kernelspec": {"language": "python"}}, "py"),
        ({"language_info": {"file_extension": ".R"}, "kernelspec": {"language": "python"}}, "R"),
        ({"language_info": {"name": "julia"}, "kernelspec": {"language": "julia"}}, "jl"),
        ({"kernelspec": {"language": "R"}}, "r"),
        ({"kernelspec": {"language": "python"}}, "py"),
        ({"kernelspec": {"language": "scala"}}, "txt"),
        ({}, "txt"),
    ],
)
def test_script_extension_rule(metadata, extension):
    assert naming.script_extension(metadata) == extension


@pytest.mark.parametrize(
    "millis, stamp",
    [
        (1795437423000, "2026-11-23-12-37-03-PM"),
        (1795442223000, "2026-11-23-01-57-03-PM"),  # the contract's example
        (1795392000000, "2026-11-23-12-00-00-AM"),  # midnight is 12 AM
        (1795395599000, "2026-11-23-12-59-59-AM"),
        (1795395600000, "2026-11-23-01-00-00-AM"),
        (1795478399999, "2026-11-23-11-59-59-PM"),
    ],
)
def test_stamp_is_a_12_hour_utc_clock(millis, stamp):
    assert naming.stamp(millis) == stamp


def test_output_names_drop_only_the_last_extension():
    assert naming.output_file_name("a.b.ipynb", 1795437423000, "markdown", {}) == "a.b-2026-11-23-12-37-03-PM.md"


def test_scheduled_run_takes_its_create_time_from_the_job_name(job):
    job.stage_notebook(notebook("print('scheduled')"))
    # 29923957 minutes since the epoch = 2026-11-23 12:37:00 UTC.
    result = job.run(NBJ_CREATE_TIME=None, NBJ_JOB_NAME="nb-jobdef-0d5c-29923957", NBJ_OUTPUT_FORMATS="ipynb,markdown")

    assert result.returncode == 0, result.describe()
    assert job.keys(job.output_prefix) == sorted(
        [
            job.output_prefix + "report.ipynb",
            job.output_prefix + "report-2026-11-23-12-37-00-PM.ipynb",
            job.output_prefix + "report-2026-11-23-12-37-00-PM.md",
        ]
    )


def test_without_create_time_a_job_name_without_minutes_is_rejected(job):
    result = job.run(NBJ_CREATE_TIME=None, NBJ_JOB_NAME="nb-job-abc")

    assert result.returncode == 2, result.describe()
    assert "NBJ_CREATE_TIME is not set" in result.message


FOLDER_NOTEBOOK = notebook(
    "\n".join(
        [
            "import os",
            "rows = open('data/input.csv').read().splitlines()",
            "open('data/modified.txt', 'w').write('changed by the run\\n')",
            "open('data/unchanged.txt', 'w').write('same content\\n')  # rewritten, identical",
            "os.makedirs('results/deep', exist_ok=True)",
            "open('results/deep/new.txt', 'w').write(f'{len(rows)} rows\\n')",
            "os.symlink('/etc/hostname', 'results/link')",
            "print(sorted(os.listdir('many'))[:2], len(os.listdir('many')))",
        ]
    )
)


def _folder_files():
    files = {
        "data/input.csv": b"name,value\na,1\nb,2\n",
        "data/modified.txt": b"original\n",
        "data/unchanged.txt": b"same content\n",
    }
    files.update({f"many/file-{index:02d}.txt": f"file {index}\n".encode() for index in range(24)})
    return files


def test_packaged_folder_is_restored_and_side_effects_uploaded(job):
    job.stage_notebook(FOLDER_NOTEBOOK, _folder_files())
    result = job.run(NBJ_PACKAGE_INPUT_FOLDER="true", NBJ_OUTPUT_FORMATS="ipynb")

    assert result.returncode == 0, result.describe()
    assert result.message.endswith("wrote ipynb and 2 changed files.")
    assert cell_text(job.executed_notebook().cells[0]) == "['file-00.txt', 'file-01.txt'] 24\n"
    # Created and modified files, relative paths kept; not the unchanged ones, the notebook or links.
    assert job.keys(job.files_prefix) == [
        job.files_prefix + "data/modified.txt",
        job.files_prefix + "results/deep/new.txt",
    ]
    assert job.read(job.files_prefix + "data/modified.txt") == b"changed by the run\n"
    assert job.read(job.files_prefix + "results/deep/new.txt") == b"3 rows\n"


def test_large_files_go_through_multipart_transfers(job):
    big_input = bytes(range(256)) * (20 * 4096)  # 20 MiB, above the 16 MiB multipart threshold
    job.stage_notebook(
        notebook(
            "data = open('big.bin', 'rb').read()\n"
            "open('big-out.bin', 'wb').write(data[::-1] + data[:1024])\n"
            "print(len(data))"
        ),
        {"big.bin": big_input},
    )
    result = job.run(NBJ_PACKAGE_INPUT_FOLDER="true")

    assert result.returncode == 0, result.describe()
    assert cell_text(job.executed_notebook().cells[0]).startswith(f"{len(big_input)}\n")
    assert job.read(job.files_prefix + "big-out.bin") == big_input[::-1] + big_input[:1024]
    assert job.keys(job.files_prefix) == [job.files_prefix + "big-out.bin"]
    # A multipart upload's ETag is "<md5 of the part md5s>-<number of parts>".
    assert job.s3.head_object(Bucket="notebook-jobs-test", Key=job.files_prefix + "big-out.bin")["ETag"].strip('"').endswith("-2")


def test_unpackaged_run_downloads_only_the_notebook_and_uploads_no_side_effects(job):
    job.stage_notebook(
        notebook("import os\nprint(sorted(os.listdir('.')))\n_ = open('created.txt', 'w').write('x')"),
        {"data/input.csv": b"a\n"},
    )
    result = job.run(NBJ_PACKAGE_INPUT_FOLDER="false")

    assert result.returncode == 0, result.describe()
    assert cell_text(job.executed_notebook().cells[0]) == "['report.ipynb']\n"
    assert job.keys(job.files_prefix) == []


def test_side_effects_are_uploaded_when_a_cell_fails(job):
    job.stage_notebook(
        notebook("open('partial.txt', 'w').write('written before the error')", "1 / 0"), {"data/x.txt": b"x"}
    )
    result = job.run(NBJ_PACKAGE_INPUT_FOLDER="true")

    assert result.returncode == 1, result.describe()
    assert result.message.startswith("Cell 2 raised ZeroDivisionError: division by zero.")
    assert job.keys(job.files_prefix) == [job.files_prefix + "partial.txt"]


@pytest.mark.parametrize(
    "relative, safe",
    [("data/a.csv", True), ("report.ipynb", True), ("../escape.txt", False), ("a/../../b", False),
     ("/etc/passwd", False), ("a//b", False), ("./a", False), ("a\\b", False)],
)
def test_folder_keys_escaping_the_folder_are_refused(relative, safe):
    # S3 keys may contain "..": restoring one must never write outside the input folder.
    # (s3proxy normalises such keys away, so this is checked on the rule itself.)
    from notebook_executor.storage import _is_safe_relative_path

    assert _is_safe_relative_path(relative) is safe


def test_markdown_images_are_inline(tmp_path):
    # Guards the exporter configuration directly, independent of the S3 round trip.
    from notebook_executor import export

    nb = notebook("x = 1")
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG_B64, "text/plain": "<Image>"})
    ]
    body = export.render(nb, "markdown")
    assert f"data:image/png;base64,{PNG_B64}" in body
    assert base64.b64decode(PNG_B64)[:4] == b"\x89PNG"
    assert json.loads(export.render(nb, "ipynb"))["cells"][0]["outputs"][0]["data"]["image/png"] == PNG_B64
