// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title CollateralVault
/// @notice Users deposit collateral (allowed ERC-20s, amounts in token base units) for an index
///         by symbol; the desk's OPERATOR_ROLE sweeps it on for routing and pays withdrawals.
contract CollateralVault is AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    uint256 public constant MAX_SYMBOL_BYTES = 32;

    /// @notice token => accepted as collateral
    mapping(address => bool) public tokenAllowed;
    /// @notice ids handed out so far; the next deposit gets nextDepositId + 1
    uint256 public nextDepositId;
    /// @notice withdrawal reference => already paid
    mapping(bytes32 => bool) public withdrawalPaid;

    event TokenAllowed(address indexed token, bool allowed);
    event CollateralDeposited(
        address indexed user,
        address indexed token,
        uint256 amount,
        string indexSymbol,
        uint256 indexed depositId
    );
    event CollateralSwept(address indexed token, address indexed to, uint256 amount);
    event CollateralWithdrawn(
        address indexed user, address indexed token, uint256 amount, bytes32 indexed ref
    );

    error TokenNotAllowed(address token);
    error ZeroAmount();
    error ZeroAddress();
    error ZeroReference();
    error BadIndexSymbol();
    error WithdrawalAlreadyPaid(bytes32 ref);

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert ZeroAddress();
        tokenAllowed[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @notice Deposit `amount` of `token` (pulled from the caller, who must have approved the
    ///         vault) as collateral for the index `indexSymbol`. Returns the new deposit id.
    function deposit(address token, uint256 amount, string calldata indexSymbol)
        external
        nonReentrant
        returns (uint256 depositId)
    {
        if (!tokenAllowed[token]) revert TokenNotAllowed(token);
        if (amount == 0) revert ZeroAmount();
        uint256 symbolLength = bytes(indexSymbol).length;
        if (symbolLength == 0 || symbolLength > MAX_SYMBOL_BYTES) revert BadIndexSymbol();
        depositId = ++nextDepositId;
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        emit CollateralDeposited(msg.sender, token, amount, indexSymbol, depositId);
    }

    /// @notice Move collateral on (to the bridge or the desk's wallet) for routing.
    function sweep(address token, address to, uint256 amount)
        external
        onlyRole(OPERATOR_ROLE)
        nonReentrant
    {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        IERC20(token).safeTransfer(to, amount);
        emit CollateralSwept(token, to, amount);
    }

    /// @notice Pay collateral back to `user`, once per reference `ref`.
    function withdraw(address user, address token, uint256 amount, bytes32 ref)
        external
        onlyRole(OPERATOR_ROLE)
        nonReentrant
    {
        if (user == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        if (ref == bytes32(0)) revert ZeroReference();
        if (withdrawalPaid[ref]) revert WithdrawalAlreadyPaid(ref);
        withdrawalPaid[ref] = true;
        IERC20(token).safeTransfer(user, amount);
        emit CollateralWithdrawn(user, token, amount, ref);
    }
}
