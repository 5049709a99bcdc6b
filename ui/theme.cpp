#include "theme.h"

#include <QApplication>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleHints>

#include <cmath>

namespace {

const QString settingsKey = QStringLiteral("appearance/colorScheme");

double relativeLuminance(const QColor &color)
{
    const auto channel = [](double c) {
        return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) +
            0.0722 * channel(color.blueF());
}

} // namespace

Theme::Theme(QObject *parent)
    : QObject(parent)
{
    // A desktop that switches between light and dark while we run is followed in System mode.
    connect(QGuiApplication::styleHints(), &QStyleHints::colorSchemeChanged, this, [this] {
        if (m_scheme == Scheme::System) {
            apply();
        }
    });
}

void Theme::setScheme(Scheme scheme)
{
    const bool changed = scheme != m_scheme;
    m_scheme = scheme;
    QSettings().setValue(settingsKey, schemeName(scheme));
    apply();
    if (changed) {
        Q_EMIT schemeChanged(scheme);
    }
}

bool Theme::isDark() const
{
    if (m_scheme == Scheme::System) {
        return QGuiApplication::styleHints()->colorScheme() == Qt::ColorScheme::Dark;
    }
    return m_scheme == Scheme::Dark;
}

void Theme::apply()
{
    if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    }
    QApplication::setPalette(isDark() ? darkPalette() : lightPalette());
}

QPalette Theme::lightPalette()
{
    QPalette p(QColor(0xef, 0xf0, 0xf1), QColor(0xfc, 0xfc, 0xfc));
    p.setColor(QPalette::WindowText, QColor(0x23, 0x26, 0x29));
    p.setColor(QPalette::Text, QColor(0x23, 0x26, 0x29));
    p.setColor(QPalette::ButtonText, QColor(0x23, 0x26, 0x29));
    p.setColor(QPalette::Base, QColor(0xff, 0xff, 0xff));
    p.setColor(QPalette::AlternateBase, QColor(0xf5, 0xf6, 0xf7));
    p.setColor(QPalette::Button, QColor(0xf0, 0xf1, 0xf2));
    p.setColor(QPalette::Highlight, QColor(0x1d, 0x63, 0xb8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xe8));
    p.setColor(QPalette::ToolTipText, QColor(0x23, 0x26, 0x29));
    p.setColor(QPalette::PlaceholderText, QColor(0x5f, 0x64, 0x6a));
    p.setColor(QPalette::Link, QColor(0x1d, 0x5f, 0xb0));
    p.setColor(QPalette::LinkVisited, QColor(0x6a, 0x3d, 0x9a));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x76, 0x7b, 0x80));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x76, 0x7b, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x76, 0x7b, 0x80));
    return p;
}

QPalette Theme::darkPalette()
{
    QPalette p(QColor(0x31, 0x36, 0x3b), QColor(0x2a, 0x2e, 0x32));
    p.setColor(QPalette::WindowText, QColor(0xe8, 0xea, 0xec));
    p.setColor(QPalette::Text, QColor(0xe8, 0xea, 0xec));
    p.setColor(QPalette::ButtonText, QColor(0xe8, 0xea, 0xec));
    p.setColor(QPalette::Base, QColor(0x1e, 0x21, 0x24));
    p.setColor(QPalette::AlternateBase, QColor(0x25, 0x29, 0x2d));
    p.setColor(QPalette::Button, QColor(0x3a, 0x40, 0x46));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0xae, 0xe9));
    p.setColor(QPalette::HighlightedText, QColor(0x10, 0x12, 0x14));
    p.setColor(QPalette::ToolTipBase, QColor(0x23, 0x26, 0x29));
    p.setColor(QPalette::ToolTipText, QColor(0xe8, 0xea, 0xec));
    p.setColor(QPalette::PlaceholderText, QColor(0xa0, 0xa6, 0xac));
    p.setColor(QPalette::Link, QColor(0x6c, 0xb6, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xc3, 0x9b, 0xff));
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x4a, 0x51, 0x58));
    p.setColor(QPalette::Midlight, QColor(0x41, 0x47, 0x4d));
    p.setColor(QPalette::Mid, QColor(0x27, 0x2b, 0x2f));
    p.setColor(QPalette::Dark, QColor(0x1b, 0x1e, 0x21));
    p.setColor(QPalette::Shadow, QColor(0x0e, 0x10, 0x12));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x8a, 0x90, 0x96));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x8a, 0x90, 0x96));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x8a, 0x90, 0x96));
    return p;
}

QString Theme::schemeName(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Light:
        return QStringLiteral("light");
    case Scheme::Dark:
        return QStringLiteral("dark");
    case Scheme::System:
        break;
    }
    return QStringLiteral("system");
}

std::optional<Theme::Scheme> Theme::schemeFromName(const QString &name)
{
    for (Scheme s : {Scheme::System, Scheme::Light, Scheme::Dark}) {
        if (name.compare(schemeName(s), Qt::CaseInsensitive) == 0) {
            return s;
        }
    }
    return std::nullopt;
}

double Theme::contrastRatio(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

Theme::Scheme Theme::storedScheme()
{
    return schemeFromName(QSettings().value(settingsKey).toString()).value_or(Scheme::System);
}
