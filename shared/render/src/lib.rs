//! Rendering documents (DOC-4, VER-2). Filled in by the PDF work.
