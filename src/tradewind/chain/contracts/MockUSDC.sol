// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockUSDC
/// @notice A USDC-like test token: 6 decimals and a public faucet capped per call.
/// @dev For local chains and tests only; anyone may mint through the faucet.
contract MockUSDC is ERC20 {
    /// @notice Most base units (6 decimals) one faucet call may mint: 1,000,000 USDC.
    uint256 public constant FAUCET_LIMIT = 1_000_000 * 10 ** 6;

    error FaucetLimitExceeded(uint256 requested, uint256 limit);

    constructor() ERC20("Mock USD Coin", "USDC") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mint `amount` base units to `to`; at most FAUCET_LIMIT per call.
    function faucet(address to, uint256 amount) external {
        if (amount > FAUCET_LIMIT) revert FaucetLimitExceeded(amount, FAUCET_LIMIT);
        _mint(to, amount);
    }
}
