using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace StaticRnn.Analyzers.Tests;

public class CodeFixTests
{
    [Fact]
    public Task MakesTheClassPartial() => Verify.CodeFix("""
        [Sequential(4)]
        [Dense(2)]
        public class {|SRNN001:Plain|};
        """, """
        [Sequential(4)]
        [Dense(2)]
        public partial class Plain;
        """);

    [Fact]
    public Task SetsReturnSequencesOnThePreviousLayer() => Verify.CodeFix("""
        [Sequential(10, 8)]
        [SimpleRnn(5)]
        [{|SRNN002:SimpleRnn(3)|}]
        public partial class RankError;
        """, """
        [Sequential(10, 8)]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        public partial class RankError;
        """);

    [Fact]
    public void OffersFixAllInDocumentProjectAndSolution()
    {
        FixAllProvider? provider = new StaticRnn.CodeFixes.NetworkCodeFixProvider().GetFixAllProvider();
        Assert.NotNull(provider); // without one, dotnet format reports "doesn't support Fix All" and changes nothing
        Assert.Contains(FixAllScope.Document, provider.GetSupportedFixAllScopes());
        Assert.Contains(FixAllScope.Project, provider.GetSupportedFixAllScopes());
        Assert.Contains(FixAllScope.Solution, provider.GetSupportedFixAllScopes());
    }

    // With a fix-all provider, the testing library also applies each fix as fix-all (document, project, solution)
    // and checks it reaches the same fixed code; these cases have several occurrences of one fix.
    [Fact]
    public Task FixesEveryOccurrenceAtOnce() => Verify.CodeFix("""
        [{|SRNN004:Sequential(4, ExpectedParameters = 1)|}]
        [Dense(2)]
        public partial class First;

        [{|SRNN004:Sequential(3, ExpectedParameters = 2)|}]
        [Dense(5)]
        public partial class Second;
        """, """
        [Sequential(4, ExpectedParameters = 10)]
        [Dense(2)]
        public partial class First;

        [Sequential(3, ExpectedParameters = 20)]
        [Dense(5)]
        public partial class Second;
        """);

    [Fact]
    public Task MakesEveryClassPartialAtOnce() => Verify.CodeFix("""
        [Sequential(4)]
        [Dense(2)]
        public class {|SRNN001:Third|};

        [Sequential(4)]
        [Dense(3)]
        internal sealed class {|SRNN001:Fourth|};
        """, """
        [Sequential(4)]
        [Dense(2)]
        public partial class Third;

        [Sequential(4)]
        [Dense(3)]
        internal sealed partial class Fourth;
        """);

    [Fact]
    public Task SetsReturnSequencesThroughDropout() => Verify.CodeFix("""
        [Sequential(6, 2)]
        [Gru(3)]
        [Dropout(0.2)]
        [{|SRNN002:Gru(2)|}]
        public partial class RankError;
        """, """
        [Sequential(6, 2)]
        [Gru(3, ReturnSequences = true)]
        [Dropout(0.2)]
        [Gru(2)]
        public partial class RankError;
        """);

    [Fact]
    public Task ReplacesExpectedParametersWithTheComputedCount() => Verify.CodeFix("""
        [{|SRNN004:Sequential(10, 8, ExpectedParameters = 140)|}]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [Dense(10)]
        public partial class WrongCount;
        """, """
        [Sequential(10, 8, ExpectedParameters = 137)]
        [SimpleRnn(5, ReturnSequences = true)]
        [SimpleRnn(3)]
        [Dense(10)]
        public partial class WrongCount;
        """);
}
