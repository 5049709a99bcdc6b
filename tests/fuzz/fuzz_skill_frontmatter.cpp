// SkillFrontMatter::parse: a name or a reason, and the same behind a BOM and with CRLF line ends.
#include "context/skillfrontmatter.h"
#include "fuzzinput.h"

#include <QByteArray>

namespace {

struct Result
{
    bool ok = false;
    QString name;
    QString description;
    QString error;
    friend bool operator==(const Result &, const Result &) = default;
};

Result parse(QByteArrayView content)
{
    Result result;
    const std::optional<SkillFrontMatter> parsed = SkillFrontMatter::parse(content, &result.error);
    if (parsed) {
        result.ok = true;
        result.name = parsed->name;
        result.description = parsed->description;
    }
    return result;
}

bool endsWithLineEnd(const QString &text)
{
    return text.endsWith(QLatin1Char('\n')) || text.endsWith(QLatin1Char('\r'));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input = FuzzInput(data, size).rest();
    const Result plain = parse(input);
    if (plain.ok) {
        FUZZ_CHECK(!plain.name.isEmpty());
        FUZZ_CHECK(plain.error.isEmpty());
        FUZZ_CHECK(!endsWithLineEnd(plain.name) && !endsWithLineEnd(plain.description));
    } else {
        FUZZ_CHECK(!plain.error.isEmpty());
        FUZZ_CHECK(plain.name.isEmpty() && plain.description.isEmpty());
    }

    constexpr QByteArrayView bom = "\xEF\xBB\xBF";
    if (!input.startsWith(bom)) {
        const QByteArray withBom = bom.toByteArray() + input.toByteArray();
        FUZZ_CHECK(parse(withBom) == plain);
    }
    if (!input.contains('\r')) {
        QByteArray crlf = input.toByteArray();
        crlf.replace("\n", "\r\n");
        FUZZ_CHECK(parse(crlf) == plain);
    }
    return 0;
}
