#pragma once

#include <QObject>
#include <QPalette>

#include <optional>

// The application's colour scheme: follows the desktop by default, or forces light or dark.
// Both palettes are Fusion-based so that they look the same on every platform and offscreen.
class Theme : public QObject
{
    Q_OBJECT
public:
    enum class Scheme { System, Light, Dark };
    Q_ENUM(Scheme)

    explicit Theme(QObject *parent = nullptr);

    Scheme scheme() const { return m_scheme; }
    // Applies the scheme to the running QApplication and remembers it in QSettings.
    void setScheme(Scheme scheme);
    // True when the palette in effect is the dark one (also for System on a dark desktop).
    bool isDark() const;

    static QPalette lightPalette();
    static QPalette darkPalette();
    static QString schemeName(Scheme scheme);
    static std::optional<Scheme> schemeFromName(const QString &name);
    // WCAG 2 contrast ratio between two colours, 1..21.
    static double contrastRatio(const QColor &a, const QColor &b);

    // The scheme stored in QSettings (System when none).
    static Scheme storedScheme();

Q_SIGNALS:
    void schemeChanged(Theme::Scheme scheme);

private:
    void apply();

    Scheme m_scheme = Scheme::System;
};
