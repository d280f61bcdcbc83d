# Sphinx configuration of the student course website (`make site`, autograder/site.py).
# Copied into build/site/src with the pages; the course values come from _course.json,
# written there by autograder/site.py from pyproject.toml [tool.dlcourse].
# Everything the pages load is local: the theme ships its assets, MathJax comes from the
# sphinx-mathjax-offline package (copied by _ext/dlcourse_site.py), fonts are the reader's.
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
COURSE = json.loads((HERE / "_course.json").read_text(encoding="utf-8"))

project = COURSE["title"]
author = "Deep Learning Essentials contributors"
copyright = f"2026, {author} (MIT)"
version = release = COURSE["version"]
language = "ko"

extensions = ["myst_nb", "dlcourse_site"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "_ext"]
root_doc = "index"

# MyST: the notebooks' $…$/$$…$$ math; heading anchors for the checkpoint map's links.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 4
# Heading levels are the notebook authors' (a "### Hint" under a "# Title" is fine).
suppress_warnings = ["myst.header"]

# Lecture notebooks run at build time, with their outputs cached (jupyter-cache): a rebuild
# re-executes only a notebook whose code changed. Graded assignments are shown as released
# (unexecuted: the student runs them).
nb_execution_mode = "cache"
nb_execution_cache_path = COURSE["cache"]
nb_execution_excludepatterns = ["release/*/*.ipynb"]
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True          # also folds a text progress bar's \r updates to its last line
# No ipywidgets JavaScript (it comes from a CDN): the kernels' startup file makes tqdm.auto
# print text progress bars instead of widgets (site.py, IPYTHONDIR).
nb_ipywidgets_js = {}

html_theme = "sphinx_book_theme"
html_title = COURSE["title"]
html_baseurl = COURSE.get("site_url", "")
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}
html_copy_source = True          # the download button serves the .ipynb
html_show_sourcelink = False
html_last_updated_fmt = None
html_search_language = "ko"      # registered by _ext/dlcourse_site.py (particle-aware)
html_theme_options = {
    "repository_url": COURSE["repository"],
    "repository_branch": COURSE["version"],
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "navigation_with_keys": False,
    "extra_footer": COURSE.get("footer", ""),
}
mathjax_path = "mathjax/tex-chtml.js"
