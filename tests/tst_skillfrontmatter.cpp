#include "context/skillfrontmatter.h"

#include <QTest>

// The SKILL.md front-matter rules of Coder's workspacesdk (frontmatter.go), one row each.
class TestSkillFrontMatter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("description");
        QTest::addColumn<QString>("errorPart");

        QTest::newRow("valid")
                << QByteArray("---\nname: deploy-app\ndescription: Deploys the app\n---\n# Body\n")
                << true << QStringLiteral("deploy-app") << QStringLiteral("Deploys the app")
                << QString();
        QTest::newRow("no description") << QByteArray("---\nname: x\n---\n") << true
                                        << QStringLiteral("x") << QString() << QString();
        QTest::newRow("nothing after the closing delimiter")
                << QByteArray("---\nname: x\n---") << true << QStringLiteral("x") << QString()
                << QString();
        QTest::newRow("UTF-8 BOM") << QByteArray("\xEF\xBB\xBF---\nname: bom-skill\n---\n") << true
                                   << QStringLiteral("bom-skill") << QString() << QString();
        QTest::newRow("CRLF") << QByteArray("---\r\nname: crlf-skill\r\ndescription: Windows "
                                            "lines\r\n---\r\nbody\r\n")
                              << true << QStringLiteral("crlf-skill")
                              << QStringLiteral("Windows lines") << QString();
        QTest::newRow("delimiters with spaces") << QByteArray("  ---  \nname: x\n --- \n") << true
                                                << QStringLiteral("x") << QString() << QString();
        QTest::newRow("folded description")
                << QByteArray("---\nname: x\ndescription: >\n  Folded over\n  two lines\n---\n")
                << true << QStringLiteral("x") << QStringLiteral("Folded over two lines")
                << QString();
        QTest::newRow("literal description keeps inner newlines")
                << QByteArray("---\nname: x\ndescription: |\n  one\n  two\n---\n") << true
                << QStringLiteral("x") << QStringLiteral("one\ntwo") << QString();
        QTest::newRow("quoted values")
                << QByteArray("---\nname: \"quoted\"\ndescription: 'Has: a colon'\n---\n") << true
                << QStringLiteral("quoted") << QStringLiteral("Has: a colon") << QString();
        QTest::newRow("unicode description")
                << QByteArray("---\nname: x\ndescription: Grüße ✓\n---\n") << true
                << QStringLiteral("x") << QStringLiteral("Grüße ✓") << QString();
        const QString notString = QStringLiteral(
                "frontmatter missing required 'name' field: frontmatter field \"name\" must be a "
                "string");
        QTest::newRow("a quoted number is a string")
                << QByteArray("---\nname: \"123\"\n---\n") << true << QStringLiteral("123")
                << QString() << QString();
        QTest::newRow("a timestamp stays a string, as yaml.v3 decodes it into any")
                << QByteArray("---\nname: x\ndescription: 2001-12-14\n---\n") << true
                << QStringLiteral("x") << QStringLiteral("2001-12-14") << QString();
        QTest::newRow("yes is a string in YAML 1.2")
                << QByteArray("---\nname: x\ndescription: yes\n---\n") << true
                << QStringLiteral("x") << QStringLiteral("yes") << QString();
        QTest::newRow("an int name") << QByteArray("---\nname: 123\n---\n") << false << QString()
                                     << QString() << notString;
        QTest::newRow("a bool name") << QByteArray("---\nname: true\n---\n") << false << QString()
                                     << QString() << notString;
        QTest::newRow("a float name") << QByteArray("---\nname: 1.5e3\n---\n") << false << QString()
                                      << QString() << notString;
        QTest::newRow("a hex name") << QByteArray("---\nname: 0x1F\n---\n") << false << QString()
                                    << QString() << notString;
        QTest::newRow("an empty name")
                << QByteArray("---\nname:\n---\n") << false << QString() << QString() << notString;
        QTest::newRow("a number description")
                << QByteArray("---\nname: x\ndescription: 42\n---\n") << false << QString()
                << QString()
                << QStringLiteral("frontmatter field \"description\" must be a string");
        QTest::newRow("an empty description")
                << QByteArray("---\nname: x\ndescription:\n---\n") << false << QString()
                << QString()
                << QStringLiteral("frontmatter field \"description\" must be a string");
        QTest::newRow("a duplicated key")
                << QByteArray("---\nname: x\nname: y\n---\n") << false << QString() << QString()
                << QStringLiteral("yaml: unmarshal errors:\n  line 2: mapping key \"name\" already "
                                  "defined at line 1");

        QTest::newRow("missing opening")
                << QByteArray("name: x\n---\n") << false << QString() << QString()
                << QStringLiteral("missing opening frontmatter delimiter");
        QTest::newRow("blank first line")
                << QByteArray("\n---\nname: x\n---\n") << false << QString() << QString()
                << QStringLiteral("missing opening frontmatter delimiter");
        QTest::newRow("empty file") << QByteArray() << false << QString() << QString()
                                    << QStringLiteral("missing opening frontmatter delimiter");
        QTest::newRow("missing closing")
                << QByteArray("---\nname: x\ndescription: y\n") << false << QString() << QString()
                << QStringLiteral("missing closing frontmatter delimiter");
        QTest::newRow("only an opening delimiter")
                << QByteArray("---") << false << QString() << QString()
                << QStringLiteral("missing closing frontmatter delimiter");
        QTest::newRow("missing name")
                << QByteArray("---\ndescription: nameless\n---\n") << false << QString()
                << QString() << QStringLiteral("frontmatter missing required 'name' field");
        QTest::newRow("empty front matter")
                << QByteArray("---\n---\n") << false << QString() << QString()
                << QStringLiteral("frontmatter missing required 'name' field");
        QTest::newRow("empty name")
                << QByteArray("---\nname: \"\"\n---\n") << false << QString() << QString()
                << QStringLiteral("frontmatter missing required 'name' field");
        QTest::newRow("null name") << QByteArray("---\nname: ~\n---\n") << false << QString()
                                   << QString() << notString;
        QTest::newRow("list name") << QByteArray("---\nname: [a, b]\n---\n") << false << QString()
                                   << QString() << notString;
        QTest::newRow("mapping name") << QByteArray("---\nname:\n  first: a\n---\n") << false
                                      << QString() << QString() << notString;
        QTest::newRow("mapping description")
                << QByteArray("---\nname: x\ndescription: {a: b}\n---\n") << false << QString()
                << QString()
                << QStringLiteral("frontmatter field \"description\" must be a string");
        QTest::newRow("not a mapping")
                << QByteArray("---\n- a\n- b\n---\n") << false << QString() << QString()
                << QStringLiteral("frontmatter is not a YAML mapping");
        QTest::newRow("malformed YAML")
                << QByteArray("---\nname: x\ndescription: [unclosed\n---\n") << false << QString()
                << QString() << QStringLiteral("invalid frontmatter YAML at line ");
        QTest::newRow("bad indentation")
                << QByteArray("---\nname: x\n  bad: indent\n---\n") << false << QString()
                << QString() << QStringLiteral("invalid frontmatter YAML at line 3");
    }

    void parse()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, valid);
        QFETCH(QString, name);
        QFETCH(QString, description);
        QFETCH(QString, errorPart);

        QString error;
        const std::optional<SkillFrontMatter> result = SkillFrontMatter::parse(content, &error);
        QCOMPARE(result.has_value(), valid);
        if (valid) {
            QCOMPARE(result->name, name);
            QCOMPARE(result->description, description);
            QVERIFY(error.isEmpty());
        } else {
            QVERIFY2(error.startsWith(errorPart), qPrintable(error));
        }
    }

    void errorIsOptional()
    {
        QVERIFY(!SkillFrontMatter::parse("no front matter"));
        QVERIFY(!SkillFrontMatter::parse("---\nname: [x\n---\n"));
    }
};

QTEST_GUILESS_MAIN(TestSkillFrontMatter)
#include "tst_skillfrontmatter.moc"
