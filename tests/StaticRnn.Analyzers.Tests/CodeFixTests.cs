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
