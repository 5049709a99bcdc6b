#pragma once

namespace KSyntaxHighlighting {
class Repository;
}

// The one KSyntaxHighlighting repository of the application. Loading the definitions is
// expensive, and every highlighter must share them, so it is created once, on first use, and
// owned by the QCoreApplication (destroyed with it).
class SyntaxRepository
{
public:
    // GUI thread only. Requires a QCoreApplication.
    static KSyntaxHighlighting::Repository *instance();

    SyntaxRepository() = delete;
};
