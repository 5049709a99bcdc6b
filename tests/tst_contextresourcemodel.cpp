// ContextResourceModel: resources grouped by kind, and new snapshots applied incrementally so
// that persistent indexes (selection, expansion) survive; a kind that disappears is removed.
#include "context/contextresourcemodel.h"

#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

namespace {

ContextResource resource(ResourceKind kind, const QString &source,
                         ResourceStatus status = ResourceStatus::Ok, char hashByte = 'a')
{
    ContextResource r;
    r.kind = kind;
    r.source = source;
    r.id = resourceKindName(kind) + QLatin1Char(':') + source;
    r.contentHash = QByteArray(32, hashByte);
    r.sizeBytes = 100;
    r.status = status;
    if (status != ResourceStatus::Ok) {
        r.error = QStringLiteral("something is wrong");
    }
    return r;
}

ContextSnapshot snapshot(quint64 version, QList<ContextResource> resources)
{
    ContextSnapshot s;
    s.version = version;
    ContextSnapshot::sortById(resources);
    s.resources = resources;
    return s;
}

const ContextResource agents =
        resource(ResourceKind::InstructionFile, QStringLiteral("/w/AGENTS.md"));
const ContextResource claude =
        resource(ResourceKind::InstructionFile, QStringLiteral("/w/CLAUDE.md"));
const ContextResource goodSkill = resource(ResourceKind::Skill, QStringLiteral("/w/skills/good"));
const ContextResource badSkill =
        resource(ResourceKind::Skill, QStringLiteral("/w/skills/Bad"), ResourceStatus::Invalid);
const ContextResource mcp = resource(ResourceKind::McpConfig, QStringLiteral("/w/.mcp.json"));

} // namespace

class TestContextResourceModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void groupsByKind()
    {
        ContextResourceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(snapshot(1, {mcp, badSkill, agents, goodSkill, claude}));

        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.resourceCount(), 5);
        const QList<ResourceKind> kinds = {ResourceKind::InstructionFile, ResourceKind::Skill,
                                           ResourceKind::McpConfig};
        const QList<int> counts = {2, 2, 1};
        for (int row = 0; row < 3; ++row) {
            const QModelIndex kind = model.index(row, 0);
            QCOMPARE(kind.data(ContextResourceModel::KindRole).toInt(), int(kinds.at(row)));
            QVERIFY(kind.data(ContextResourceModel::IsKindRole).toBool());
            QCOMPARE(model.rowCount(kind), counts.at(row));
            QVERIFY(kind.data().toString().contains(QStringLiteral("(%1)").arg(counts.at(row))));
            QVERIFY(!model.resource(kind));
        }
        const QModelIndex skills = model.kindIndex(ResourceKind::Skill);
        // By id: "skill:/w/skills/Bad" sorts before "skill:/w/skills/good".
        const QModelIndex bad = model.index(0, 0, skills);
        QCOMPARE(bad.data(ContextResourceModel::ResourceIdRole).toString(), badSkill.id);
        QCOMPARE(bad.data().toString(), QStringLiteral("Bad"));
        QCOMPARE(bad.data(Qt::ToolTipRole).toString(), badSkill.source);
        QCOMPARE(model.index(0, ContextResourceModel::StatusColumn, skills).data().toString(),
                 QStringLiteral("Invalid"));
        QCOMPARE(model.index(0, ContextResourceModel::ErrorColumn, skills).data().toString(),
                 QStringLiteral("something is wrong"));
        QCOMPARE(model.index(0, ContextResourceModel::HashColumn, skills).data().toString(),
                 QStringLiteral("616161616161"));
        QCOMPARE(model.index(0, ContextResourceModel::SizeColumn, skills)
                         .data(ContextResourceModel::SortRole)
                         .toULongLong(),
                 100ULL);
        QCOMPARE(model.index(0, ContextResourceModel::StatusColumn, skills).parent(), skills);
        QCOMPARE(model.resource(bad)->id, badSkill.id);
        QCOMPARE(model.indexOf(mcp.id).data(ContextResourceModel::ResourceIdRole).toString(),
                 mcp.id);
        QCOMPARE(model.index(1, ContextResourceModel::StatusColumn, skills).data().toString(),
                 QStringLiteral("OK"));
        QVERIFY(!model.index(2, 0, skills).isValid());
        QCOMPARE(model.version(), 1ULL);
    }

    void sourceText()
    {
        ContextResourceModel model;
        ContextResource user = agents;
        user.sourcePath = QStringLiteral("/w");
        ContextResource builtin =
                resource(ResourceKind::Skill, QStringLiteral("/home/u/.coder/skills/x"));
        QCOMPARE(model.sourceText(user), QStringLiteral("/w"));
        QCOMPARE(model.sourceText(claude), QStringLiteral("working directory"));
        QCOMPARE(model.sourceText(builtin), QStringLiteral("built-in"));
        model.setFixedRoots({QStringLiteral("/elsewhere")}, QStringLiteral("/w"));
        QCOMPARE(model.sourceText(builtin), QStringLiteral("working directory"));
        model.setFixedRoots({QStringLiteral("/home/u/.coder/skills")}, QStringLiteral("/w"));
        QCOMPARE(model.sourceText(builtin), QStringLiteral("built-in"));
    }

    void lookalikeRowsShowTheirPath()
    {
        ContextResourceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFixedRoots({}, QStringLiteral("/w"));
        const ContextResource api = resource(ResourceKind::InstructionFile,
                                             QStringLiteral("/w/services/api/AGENTS.md"));
        ContextResource user =
                resource(ResourceKind::InstructionFile, QStringLiteral("/u/proj/AGENTS.md"));
        user.sourcePath = QStringLiteral("/u");
        const auto name = [&](const ContextResource &r) {
            return model.indexOf(r.id).data().toString();
        };
        model.setSnapshot(snapshot(1, {agents, claude, api, user}));
        QCOMPARE(name(agents), QStringLiteral("AGENTS.md")); // at its root
        QCOMPARE(name(api), QStringLiteral("services/api/AGENTS.md"));
        QCOMPARE(name(user), QStringLiteral("proj/AGENTS.md")); // relative to the user's root
        QCOMPARE(name(claude), QStringLiteral("CLAUDE.md")); // alone: its name is enough
        // Once the lookalikes are gone, the name is enough again; the row says so too.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setSnapshot(snapshot(2, {agents, claude}));
        QCOMPARE(name(agents), QStringLiteral("AGENTS.md"));
        QVERIFY(!changed.isEmpty());
    }

    void incrementalUpdateKeepsPersistentIndexes()
    {
        ContextResourceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(snapshot(1, {agents, goodSkill, mcp}));

        const QPersistentModelIndex skillRow = model.indexOf(goodSkill.id);
        const QPersistentModelIndex mcpRow =
                model.indexOf(mcp.id, ContextResourceModel::HashColumn);
        const QPersistentModelIndex skillsKind = model.kindIndex(ResourceKind::Skill);
        QVERIFY(skillRow.isValid() && mcpRow.isValid());

        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        // A skill is added before the selected one, CLAUDE.md appears, the MCP config changes.
        ContextResource mcpChanged = mcp;
        mcpChanged.contentHash = QByteArray(32, 'b');
        model.setSnapshot(snapshot(2, {agents, claude, badSkill, goodSkill, mcpChanged}));

        QCOMPARE(reset.count(), 0);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(inserted.count(), 2);
        QVERIFY(skillRow.isValid());
        QCOMPARE(skillRow.data(ContextResourceModel::ResourceIdRole).toString(), goodSkill.id);
        QCOMPARE(skillRow.row(), 1);
        QCOMPARE(skillRow.parent(), QModelIndex(skillsKind));
        QCOMPARE(mcpRow.data().toString(), QStringLiteral("626262626262"));
        bool mcpChangedSignal = false;
        for (const QList<QVariant> &args : std::as_const(changed)) {
            const auto from = args.at(0).value<QModelIndex>();
            if (from.parent() == model.kindIndex(ResourceKind::McpConfig) && from.row() == 0) {
                mcpChangedSignal = true;
            }
        }
        QVERIFY(mcpChangedSignal);

        // The same snapshot again (a new version, nothing else) changes no row.
        changed.clear();
        inserted.clear();
        model.setSnapshot(snapshot(3, {agents, claude, badSkill, goodSkill, mcpChanged}));
        QCOMPARE(changed.count(), 0);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(model.version(), 3ULL);

        // Removing the invalid skill moves the selected one up without losing it.
        model.setSnapshot(snapshot(4, {agents, claude, goodSkill, mcpChanged}));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(skillRow.row(), 0);
        QCOMPARE(skillRow.data(ContextResourceModel::ResourceIdRole).toString(), goodSkill.id);
        QCOMPARE(reset.count(), 0);
    }

    void kindGroupAppearsAndDisappears()
    {
        ContextResourceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(snapshot(1, {agents, mcp}));
        QCOMPARE(model.rowCount(), 2);
        const QPersistentModelIndex mcpRow = model.indexOf(mcp.id);
        const QPersistentModelIndex agentsRow = model.indexOf(agents.id);

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        // Skills arrive between the two kinds.
        model.setSnapshot(snapshot(2, {agents, goodSkill, mcp}));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(0).value<QModelIndex>(), QModelIndex());
        QCOMPARE(inserted.first().at(1).toInt(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(1, 0).data(ContextResourceModel::KindRole).toInt(),
                 int(ResourceKind::Skill));
        QCOMPARE(mcpRow.parent().row(), 2);
        QCOMPARE(mcpRow.data(ContextResourceModel::ResourceIdRole).toString(), mcp.id);

        // Every instruction file goes: its kind row is removed, the others stay valid.
        model.setSnapshot(snapshot(3, {goodSkill, mcp}));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().at(0).value<QModelIndex>(), QModelIndex());
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(!agentsRow.isValid());
        QVERIFY(!model.kindIndex(ResourceKind::InstructionFile).isValid());
        QCOMPARE(mcpRow.parent().row(), 1);
        QCOMPARE(mcpRow.data(ContextResourceModel::ResourceIdRole).toString(), mcp.id);

        model.setSnapshot(snapshot(4, {}));
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!mcpRow.isValid());

        model.setSnapshot(snapshot(5, {agents}));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.version(), 0ULL);
    }
};

QTEST_GUILESS_MAIN(TestContextResourceModel)
#include "tst_contextresourcemodel.moc"
