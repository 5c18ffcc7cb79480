"""nbgrader configuration for qkv-course. Run every nbgrader command from the repository root.

    nbgrader generate_assignment ps01_search --force   # solutions/ -> notebooks/ (the release)
    nbgrader autograde ps01_search                     # submitted/<student>/ps01_search/
    nbgrader generate_feedback ps01_search             # -> feedback/
    nbgrader export                                    # -> grades.csv
    nbgrader zip_collect ps01_search                   # downloaded/ps01_search/archive/ (an LMS export) -> submitted/

See book/instructor_guide.md for the whole workflow.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "qkv-course"
# Paths are relative to the course root, which is the directory nbgrader is run from.
c.CourseDirectory.source_directory = "solutions"   # instructor notebooks with solutions and hidden tests
c.CourseDirectory.release_directory = "notebooks"  # generated student notebooks, committed to git
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Data files an assignment folder may hold travel with its notebooks.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]

# zip_collect: an LMS's download of submissions, put in downloaded/<assignment>/archive/ (zips are
# extracted to downloaded/<assignment>/extracted/), lands in submitted/<student>/<assignment>/.
# The pattern reads Canvas's "Download submissions" names, matched against each file's full path:
#   doejane_12345_67890_softmax.ipynb        <sortable name>_<user id>_<attachment id>_<file>
#   doejane_LATE_12345_67890_softmax.ipynb   after the due date (the name carries no time)
#   doejane_12345_67890_softmax-1.ipynb      a resubmission, Canvas's "-1" dropped
# The student's id is the sortable name ("doejane"). Moodle and other LMSs: see "Collecting from
# an LMS" in book/instructor_guide.md. Files other than notebooks are skipped.
c.FileNameCollectorPlugin.named_regexp = (
    r".*[/\\](?P<student_id>[^/\\_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/\\]+?)(?:-\d+)?\.ipynb$")
c.FileNameCollectorPlugin.valid_ext = [".ipynb"]

# What students see in place of a solution.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE: replace the line below with your implementation.\nraise NotImplementedError()"
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Limits when notebooks are executed (validate, autograde): seconds per cell (the cell is
# interrupted and scores 0), then seconds per notebook (the kernel is killed, the cells that did
# not run score 0), and the kernel's memory, processes/threads and CPU seconds. Autograde runs
# each kernel in a bubblewrap sandbox as an unprivileged user with these limits
# (qkv_grader/sandbox.py, qkv_grader/execute.py).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.SandboxedExecute.notebook_timeout = 600
c.SandboxedKernelManager.memory_limit = 4 * 1024**3
c.SandboxedKernelManager.process_limit = 256
c.SandboxedKernelManager.cpu_limit = 900
# bytes the kernel may write into its /tmp and into its home (working directory included), each a tmpfs
c.SandboxedKernelManager.disk_limit = 256 * 1024**2
c.SandboxedKernelManager.sandbox = "auto"   # "require": refuse to grade without bubblewrap

# Autograde's sanitising steps: nbgrader's, with RestoreCells first, which rebuilds the submission
# on the released notebook: deleted, duplicated, re-typed or metadata-stripped cells come back
# as released, answers are kept (qkv_grader/restore.py). nbgrader's own
# OverwriteCells.add_missing_cells stays off: it crashes on stripped metadata and duplicates.
from nbgrader.preprocessors import (  # noqa: E402
    CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec)

from qkv_grader.restore import RestoreCells  # noqa: E402
from qkv_grader import plain  # noqa: E402

# Plain `nbgrader autograde` grades a staged copy of each submission, as qkv-grade does: regular
# files only (links, special files, Python packages and modules left out and reported in the log),
# nbformat 3 upgraded; submitted/ is never changed (qkv_grader/plain.py)
plain.install()

c.Autograde.sanitize_preprocessors = [
    ClearOutput, RestoreCells, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]

# Autograde: nbgrader's own steps, with SandboxedExecute in place of Execute (the sandbox, time
# limits, dead kernels, evidence that each test ran, an output cap), plus StderrIsNotFailure
# before the grades are saved, so that a warning printed to stderr (torch, numpy) never fails a
# test cell (qkv_grader/autograde.py).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, IgnorePattern, LimitOutput, SaveAutoGrades)

from qkv_grader.autograde import StderrIsNotFailure  # noqa: E402
from qkv_grader.execute import SandboxedExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    StderrIsNotFailure, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]

# Feedback shows scores and the targeted messages, never the hidden tests' source or the grading
# code in tracebacks (qkv_grader/feedback.py).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from qkv_grader.feedback import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
